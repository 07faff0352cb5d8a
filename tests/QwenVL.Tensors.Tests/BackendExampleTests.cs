// Hand-computed examples run through both backends: small enough to check on paper, so they pin
// the semantics (layouts, rotate_half sign, causal mask, bias) independently of the reference.
// Parity on random data lives in CpuBackendParityTests.
using QwenVL.Tensors;

namespace QwenVL.Tensors.Tests;

public class BackendExampleTests
{
    public static TheoryData<string> BackendNames() => ["reference", "cpu", "cpu-scalar"];

    [Theory]
    [MemberData(nameof(BackendNames))]
    public void MatMul_TwoByTwoWithBias_MatchesHandResult(string name)
    {
        using var scope = new BackendScope(name);
        using var w = NativeTensor.FromFloats([1, 0, 0, 1, 1, 1], DType.BF16, 3, 2);
        var y = new float[6];
        scope.Backend.MatMul([1, 2, 3, 4], 2, 2, w.View, [0.5f, 0f, -1f], y);
        Assert.Equal([1.5f, 2f, 2f, 3.5f, 4f, 6f], y);
    }

    [Theory]
    [MemberData(nameof(BackendNames))]
    public void RmsNorm_ThreeFour_DividesByRootMeanSquare(string name)
    {
        using var scope = new BackendScope(name);
        var y = new float[2];
        scope.Backend.RmsNorm([3, 4], 1, 2, [1, 2], 0f, y);
        // rms = sqrt((9 + 16) / 2) = 3.5355339
        Assert.Equal(3 / Math.Sqrt(12.5), y[0], 1e-6);
        Assert.Equal(8 / Math.Sqrt(12.5), y[1], 1e-6);
    }

    [Theory]
    [MemberData(nameof(BackendNames))]
    public void LayerNorm_OneThree_CentersScalesAndShifts(string name)
    {
        using var scope = new BackendScope(name);
        var y = new float[2];
        // mean 2, biased variance 1: normalized [-1, 1], then ·[2, 3] + [1, 1].
        scope.Backend.LayerNorm([1, 3], 1, 2, [2, 3], [1, 1], 0f, y);
        Assert.Equal(-1f, y[0], 1e-6f);
        Assert.Equal(4f, y[1], 1e-6f);
    }

    [Theory]
    [MemberData(nameof(BackendNames))]
    public void Activations_KnownPoints_MatchClosedForms(string name)
    {
        using var scope = new BackendScope(name);
        var swiglu = new float[2];
        scope.Backend.SwiGlu([0f, 1f], [5f, 2f], swiglu);
        Assert.Equal(0f, swiglu[0]);
        Assert.Equal(2 / (1 + Math.Exp(-1)), swiglu[1], 1e-6); // silu(1)·2 = 1.4621172

        float[] gelu = [1f, -1f, 0f];
        scope.Backend.GeluErf(gelu);
        Assert.Equal(0.8413447460685429, gelu[0], 1e-6); // Φ(1)
        Assert.Equal(-0.15865525393145707, gelu[1], 1e-6); // −(1 − Φ(1))
        Assert.Equal(0f, gelu[2]);

        float[] quick = [1f];
        scope.Backend.QuickGelu(quick);
        Assert.Equal(1 / (1 + Math.Exp(-1.702)), quick[0], 1e-6);
    }

    [Theory]
    [MemberData(nameof(BackendNames))]
    public void Rope_TwoRowsTwoHeads_RotatesHalves(string name)
    {
        using var scope = new BackendScope(name);
        // Row stride 9 leaves one padding float per row that must stay untouched.
        float[] x =
        [
            1, 2, 3, 4, 5, 6, 7, 8, 99,
            1, 2, 3, 4, 1, 2, 3, 4, 99,
        ];
        // Row 0: identity (cos 1, sin 0). Row 1: pair 0 turned by 90° (cos 0, sin 1), pair 1 unturned.
        float[] cos = [1, 1, 1, 1, 0, 1, 0, 1];
        float[] sin = [0, 0, 0, 0, 1, 0, 1, 0];
        scope.Backend.Rope(x, 2, 2, 4, 9, cos, sin);
        // a = [1, 2], b = [3, 4]: a' = a·cos − b·sin = [−3, 2]; b' = b·cos + a·sin = [1, 4].
        float[] expected =
        [
            1, 2, 3, 4, 5, 6, 7, 8, 99,
            -3, 2, 1, 4, -3, 2, 1, 4, 99,
        ];
        Assert.Equal(expected, x);
    }

    [Theory]
    [MemberData(nameof(BackendNames))]
    public void Attention_TwoKeys_SoftmaxWeightsAndCausalMask(string name)
    {
        using var scope = new BackendScope(name);
        // Scores 0 and ln 3 give softmax weights 1/4 and 3/4.
        float[] q = [1, 0];
        float[] k = [0, 0, MathF.Log(3), 5];
        float[] v = [4, 0, 0, 8];
        var output = new float[2];
        scope.Backend.Attention(q, 1, 2, k, v, 2, 2, 1, 1, 2, 1f, -1, output, 2);
        Assert.Equal(1f, output[0], 1e-6f);
        Assert.Equal(6f, output[1], 1e-6f);

        // Causal with offset 0: query 0 sees key 0 only.
        scope.Backend.Attention(q, 1, 2, k, v, 2, 2, 1, 1, 2, 1f, 0, output, 2);
        Assert.Equal([4f, 0f], output);
    }

    [Theory]
    [MemberData(nameof(BackendNames))]
    public void MatMul_WrongWeightColumns_ThrowsNamingShapes(string name)
    {
        using var scope = new BackendScope(name);
        using var w = new NativeTensor(DType.F32, 3, 5);
        var error = Assert.Throws<ArgumentException>(() => scope.Backend.MatMul(new float[8], 2, 4, w.View, [], new float[6]));
        Assert.Contains("5 columns", error.Message);
        Assert.Equal("w", error.ParamName);
    }

    [Theory]
    [MemberData(nameof(BackendNames))]
    public void Attention_HeadsNotMultipleOfKvHeads_Throws(string name)
    {
        using var scope = new BackendScope(name);
        var error = Assert.Throws<ArgumentException>(() =>
            scope.Backend.Attention(new float[5], 1, 5, new float[2], new float[2], 1, 2, 5, 2, 1, 1f, -1, new float[5], 5));
        Assert.Contains("multiple", error.Message);
    }

    [Theory]
    [MemberData(nameof(BackendNames))]
    public void Attention_HeadMajorKvTooShortOrBadHeadStride_NamesTheProblem(string name)
    {
        // 2 KV heads of 4 floats, 3 rows, head-major with a capacity of 5 rows: head 1 starts at 20,
        // so k and v need 20 + 2·4 + 4 = 32 floats.
        using var scope = new BackendScope(name);
        float[] q = new float[8], output = new float[8];
        var shortK = Assert.Throws<ArgumentException>(() =>
            scope.Backend.Attention(q, 1, 8, new float[31], new float[32], 3, 4, 2, 2, 4, 1f, -1, output, 8, kvHeadStride: 20));
        Assert.Contains("k has 31 values, needs at least 32", shortK.Message);
        var stride = Assert.Throws<ArgumentException>(() =>
            scope.Backend.Attention(q, 1, 8, new float[32], new float[32], 3, 4, 2, 2, 4, 1f, -1, output, 8, kvHeadStride: 3));
        Assert.Contains("kvHeadStride 3", stride.Message);
        Assert.Equal("kvHeadStride", stride.ParamName);
        scope.Backend.Attention(q, 1, 8, new float[32], new float[32], 3, 4, 2, 2, 4, 1f, -1, output, 8, kvHeadStride: 20);
    }

    /// <summary>Creates a backend by name and disposes it if it owns threads.</summary>
    private sealed class BackendScope(string name) : IDisposable
    {
        public IComputeBackend Backend { get; } = ComputeBackends.Create(name, threads: 2);

        public void Dispose() => (Backend as IDisposable)?.Dispose();
    }
}
