// The q8 / q4 parity report: over the 4 golden cases, teacher-forced top-1 agreement with the
// reference's 16 greedy tokens, and the max |diff| of the prefill logits. The tiny fixtures have
// random weights (logits close together), so margins are small; the bounds asserted are loose but
// real: q8 ≥ 14/16 on every case, q4 ≥ 32/64 overall. AsStored is included as the 16/16 control.
using Xunit.Abstractions;

namespace QwenVL.Models.Tests.Quantization;

public sealed class QuantizedParityTests(ITestOutputHelper output)
{
    [Fact]
    public void TeacherForcedAgreement_Q8AndQ4_Report()
    {
        var results = new List<AgreementResult>();
        foreach (object[] c in Golden.Cases)
        {
            Golden g = Golden.Load((string)c[0], (string)c[1]);
            foreach (WeightFormat format in new[] { WeightFormat.AsStored, WeightFormat.Q8, WeightFormat.Q4 })
            {
                AgreementResult r = QuantizedParity.Run(g, format);
                results.Add(r);
                output.WriteLine($"{r.Model,-16} {r.Case,-15} {r.Weights,-8} top-1 {r.Agreed,2}/{r.Steps}  prefill logits max |diff| {r.LogitMaxDiff:E2}");
            }
        }
        foreach (WeightFormat format in new[] { WeightFormat.Q8, WeightFormat.Q4 })
        {
            int agreed = results.Where(r => r.Weights == format).Sum(r => r.Agreed);
            int steps = results.Where(r => r.Weights == format).Sum(r => r.Steps);
            output.WriteLine($"{format}: {agreed}/{steps} overall");
        }

        Assert.All(results.Where(r => r.Weights == WeightFormat.AsStored), r => Assert.Equal(r.Steps, r.Agreed));
        Assert.All(results.Where(r => r.Weights == WeightFormat.Q8), r => Assert.True(r.Agreed >= 14, $"q8 {r.Model}/{r.Case}: {r.Agreed}/16 < 14"));
        int q4 = results.Where(r => r.Weights == WeightFormat.Q4).Sum(r => r.Agreed);
        Assert.True(q4 >= 32, $"q4 overall {q4}/64 < 32");
    }
}
