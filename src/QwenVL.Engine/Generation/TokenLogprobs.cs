// Log-probabilities of one generated token under the model's raw next-token distribution
// (log-softmax of the logits, before repetition penalty, temperature, top-k or top-p), plus the most
// likely alternatives. It deliberately knows nothing about token text: front doors map ids to text.
namespace QwenVL.Engine.Generation;

/// <summary>The chosen token's log-probability and the <c>k</c> most likely tokens with theirs (most likely first).</summary>
public sealed record TokenLogprobs(float Logprob, IReadOnlyList<(int Id, float Logprob)> Top)
{
    /// <summary>Most alternatives a caller may ask for (OpenAI's top_logprobs limit).</summary>
    public const int MaxTop = 20;

    /// <summary>Computes log-softmax of <paramref name="logits"/> at <paramref name="token"/> and the <paramref name="top"/> largest entries.</summary>
    public static TokenLogprobs Compute(ReadOnlySpan<float> logits, int token, int top)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        top = Math.Min(top, logits.Length);
        float max = float.NegativeInfinity;
        foreach (float x in logits)
        {
            max = Math.Max(max, x);
        }
        // log-sum-exp in double: 152k terms summed in float would lose the small ones.
        double sum = 0;
        foreach (float x in logits)
        {
            sum += Math.Exp(x - max);
        }
        double logZ = max + Math.Log(sum);

        // Keep the k best in a small array sorted descending (k <= 20, so insertion beats a heap);
        // ties keep the lower id first, like a stable argsort.
        var ids = new int[top];
        var values = new float[top];
        int count = 0;
        for (int i = 0; i < logits.Length && top > 0; i++)
        {
            float x = logits[i];
            if (count == top && x <= values[count - 1])
            {
                continue;
            }
            int at = count < top ? count++ : count - 1;
            while (at > 0 && values[at - 1] < x)
            {
                values[at] = values[at - 1];
                ids[at] = ids[at - 1];
                at--;
            }
            values[at] = x;
            ids[at] = i;
        }
        var best = new (int, float)[count];
        for (int i = 0; i < count; i++)
        {
            best[i] = (ids[i], (float)(values[i] - logZ));
        }
        return new TokenLogprobs((float)(logits[token] - logZ), best);
    }
}
