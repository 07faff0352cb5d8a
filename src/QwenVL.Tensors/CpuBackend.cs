// The fast CPU backend: SIMD kernels of a chosen width, run on a fixed ComputeThreadPool. Results
// match ReferenceBackend within float32 rounding (accumulation order differs, float instead of
// double). This file holds construction, dispatch and the cheap row/element-wise operations; the
// matmul and attention kernels live in CpuBackend.MatMul.cs and CpuBackend.Attention.cs.
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace QwenVL.Tensors;

/// <summary>Multi-threaded SIMD implementation of <see cref="IComputeBackend"/>.</summary>
public sealed unsafe partial class CpuBackend : IComputeBackend, IDisposable
{
    // Below this many elements a row/element-wise op runs on the caller alone: waking the pool
    // costs a few microseconds, about what 32k floats of streaming work take on one core.
    private const int ParallelElements = 1 << 15;

    // Element-wise ops are split into chunks of this many floats (64 KiB), statically assigned.
    private const int ChunkElements = 1 << 14;

    /// <summary>Creates the backend and its worker threads.</summary>
    /// <param name="threads">Compute threads including the caller; 0 means <see cref="Environment.ProcessorCount"/>.</param>
    /// <param name="maxSimd">Widest vector level to use; the hardware's best level caps it.</param>
    public CpuBackend(int threads = 0, SimdLevel maxSimd = SimdLevel.Best)
    {
        Level = SimdLevels.Resolve(maxSimd);
        Pool = new ComputeThreadPool(threads);
        Name = $"cpu-{SimdLevels.ShortName(Level)}x{Pool.ThreadCount}";
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The vector level the kernels run at.</summary>
    public SimdLevel Level { get; }

    /// <summary>The backend's threads; model code may run its own jobs on them between kernel calls.</summary>
    public ComputeThreadPool Pool { get; }

    /// <inheritdoc/>
    public void RmsNorm(ReadOnlySpan<float> x, int n, int d, ReadOnlySpan<float> weight, float eps, Span<float> y)
    {
        BackendChecks.Norm("RmsNorm", x.Length, n, d, weight.Length, 0, y.Length);
        fixed (float* px = x, py = y, pw = weight)
        {
            var job = new NormJob { X = px, Y = py, Weight = pw, Bias = null, Rows = n, Dim = d, Eps = eps, Layer = false };
            Pool.Run(ref job, RowPartitions(n, d));
        }
    }

    /// <inheritdoc/>
    public void LayerNorm(ReadOnlySpan<float> x, int n, int d, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps, Span<float> y)
    {
        BackendChecks.Norm("LayerNorm", x.Length, n, d, weight.Length, bias.Length, y.Length);
        fixed (float* px = x, py = y, pw = weight, pb = bias)
        {
            var job = new NormJob { X = px, Y = py, Weight = pw, Bias = bias.IsEmpty ? null : pb, Rows = n, Dim = d, Eps = eps, Layer = true };
            Pool.Run(ref job, RowPartitions(n, d));
        }
    }

    /// <inheritdoc/>
    public void SwiGlu(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        BackendChecks.SameLength("SwiGlu", "up", up.Length, gate.Length);
        BackendChecks.SameLength("SwiGlu", "y", y.Length, gate.Length);
        fixed (float* pg = gate, pu = up, py = y)
        {
            RunElementwise(ElementwiseOp.SwiGlu, pg, pu, py, gate.Length);
        }
    }

    /// <inheritdoc/>
    public void QuickGelu(Span<float> x)
    {
        fixed (float* px = x)
        {
            RunElementwise(ElementwiseOp.QuickGelu, px, null, px, x.Length);
        }
    }

    /// <inheritdoc/>
    public void GeluErf(Span<float> x)
    {
        fixed (float* px = x)
        {
            RunElementwise(ElementwiseOp.GeluErf, px, null, px, x.Length);
        }
    }

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<float> x, Span<float> y)
    {
        BackendChecks.SameLength("Add", "y", y.Length, x.Length);
        fixed (float* px = x, py = y)
        {
            RunElementwise(ElementwiseOp.Add, px, null, py, x.Length);
        }
    }

    /// <inheritdoc/>
    public void Rope(Span<float> x, int n, int heads, int headDim, int rowStride, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        BackendChecks.Rope(x.Length, n, heads, headDim, rowStride, cos.Length, sin.Length);
        fixed (float* px = x, pc = cos, ps = sin)
        {
            var job = new RopeJob
            {
                X = px, Cos = pc, Sin = ps, Rows = n, Heads = heads, HeadDim = headDim, RowStride = rowStride, Level = Level,
            };
            Pool.Run(ref job, RowPartitions(n, heads * headDim));
        }
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose() => Pool.Dispose();

    /// <summary>The contiguous range <c>[start, end)</c> of <paramref name="units"/> owned by one partition.</summary>
    internal static (int Start, int End) PartitionRange(int partition, int partitionCount, int units) =>
        ((int)((long)partition * units / partitionCount), (int)((long)(partition + 1) * units / partitionCount));

    private int RowPartitions(int rows, int rowLength) =>
        (long)rows * rowLength < ParallelElements ? Math.Min(rows, 1) : Math.Min(rows, Pool.ThreadCount);

    private void RunElementwise(ElementwiseOp op, float* a, float* b, float* y, int length)
    {
        int chunks = (length + ChunkElements - 1) / ChunkElements;
        var job = new ElementwiseJob { Op = op, A = a, B = b, Y = y, Length = length, Chunks = chunks, Level = Level };
        Pool.Run(ref job, length < ParallelElements ? Math.Min(chunks, 1) : Math.Min(chunks, Pool.ThreadCount));
    }

    private enum ElementwiseOp
    {
        SwiGlu,
        QuickGelu,
        GeluErf,
        Add,
    }

    private struct NormJob : IParallelJob
    {
        public float* X, Y, Weight, Bias;
        public int Rows, Dim;
        public float Eps;
        public bool Layer;

        public readonly void Execute(int partition, int partitionCount)
        {
            (int start, int end) = PartitionRange(partition, partitionCount, Rows);
            var weight = new ReadOnlySpan<float>(Weight, Dim);
            for (int r = start; r < end; r++)
            {
                var x = new ReadOnlySpan<float>(X + ((long)r * Dim), Dim);
                var y = new Span<float>(Y + ((long)r * Dim), Dim);
                if (Layer)
                {
                    // Two passes (mean, then centered squares) as in the reference: the one-pass
                    // E[x²] − E[x]² loses digits when |mean| ≫ std.
                    float mean = TensorPrimitives.Sum(x) / Dim;
                    TensorPrimitives.Subtract(x, mean, y);
                    float inverseStd = 1f / MathF.Sqrt((TensorPrimitives.SumOfSquares(y) / Dim) + Eps);
                    TensorPrimitives.Multiply(y, inverseStd, y);
                    if (Bias is null)
                    {
                        TensorPrimitives.Multiply(y, weight, y);
                    }
                    else
                    {
                        TensorPrimitives.MultiplyAdd(y, weight, new ReadOnlySpan<float>(Bias, Dim), y);
                    }
                }
                else
                {
                    float inverseRms = 1f / MathF.Sqrt((TensorPrimitives.SumOfSquares(x) / Dim) + Eps);
                    TensorPrimitives.Multiply(x, inverseRms, y);
                    TensorPrimitives.Multiply(y, weight, y);
                }
            }
        }
    }

    private struct ElementwiseJob : IParallelJob
    {
        public ElementwiseOp Op;
        public float* A, B, Y;
        public int Length, Chunks;
        public SimdLevel Level;

        public readonly void Execute(int partition, int partitionCount)
        {
            (int first, int last) = PartitionRange(partition, partitionCount, Chunks);
            int start = first * ChunkElements;
            int end = Math.Min(Length, last * ChunkElements);
            int count = end - start;
            if (count <= 0)
            {
                return;
            }
            // The whole partition in one call (y may alias the input: every kernel reads an element
            // before it writes it).
            if (Op == ElementwiseOp.Add)
            {
                var y = new Span<float>(Y + start, count);
                TensorPrimitives.Add(y, new ReadOnlySpan<float>(A + start, count), y);
                return;
            }
            switch (Level)
            {
                case SimdLevel.Vector512: Run<V512Ops, Vector512<float>>(A + start, B + start, Y + start, count); break;
                case SimdLevel.Vector256: Run<V256Ops, Vector256<float>>(A + start, B + start, Y + start, count); break;
                case SimdLevel.Vector128: Run<V128Ops, Vector128<float>>(A + start, B + start, Y + start, count); break;
                default: Run<ScalarOps, float>(A + start, B + start, Y + start, count); break;
            }
        }

        /// <summary>One block of a SIMD-kernel op at one vector width (B is used by SwiGLU only).</summary>
        private readonly void Run<TOps, TVec>(float* a, float* b, float* y, int count)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
        {
            switch (Op)
            {
                case ElementwiseOp.SwiGlu: SimdKernels<TOps, TVec>.SwiGlu(ref *a, ref *b, ref *y, count); break;
                case ElementwiseOp.QuickGelu: SimdKernels<TOps, TVec>.QuickGelu(ref *y, count); break;
                default: SimdKernels<TOps, TVec>.GeluErf(ref *y, count); break;
            }
        }
    }

    private struct RopeJob : IParallelJob
    {
        public float* X, Cos, Sin;
        public int Rows, Heads, HeadDim, RowStride;
        public SimdLevel Level;

        public readonly void Execute(int partition, int partitionCount)
        {
            switch (Level)
            {
                case SimdLevel.Vector512: Rotate<V512Ops, Vector512<float>>(partition, partitionCount); break;
                case SimdLevel.Vector256: Rotate<V256Ops, Vector256<float>>(partition, partitionCount); break;
                case SimdLevel.Vector128: Rotate<V128Ops, Vector128<float>>(partition, partitionCount); break;
                default: Rotate<ScalarOps, float>(partition, partitionCount); break;
            }
        }

        private readonly void Rotate<TOps, TVec>(int partition, int partitionCount)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
        {
            (int start, int end) = PartitionRange(partition, partitionCount, Rows);
            int half = HeadDim / 2;
            for (int r = start; r < end; r++)
            {
                ref float cos = ref Cos[(long)r * HeadDim];
                ref float sin = ref Sin[(long)r * HeadDim];
                for (int h = 0; h < Heads; h++)
                {
                    SimdKernels<TOps, TVec>.RotateHalf(ref X[((long)r * RowStride) + ((long)h * HeadDim)], ref cos, ref sin, half);
                }
            }
        }
    }
}
