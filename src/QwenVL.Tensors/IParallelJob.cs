// The unit of work ComputeThreadPool runs: a struct, so a parallel call captures nothing on the
// heap. A job usually holds raw pointers that its caller pinned for the duration of the call.
namespace QwenVL.Tensors;

/// <summary>Work split into partitions, each run exactly once by some thread.</summary>
public interface IParallelJob
{
    /// <summary>Runs partition <paramref name="partition"/> of <paramref name="partitionCount"/>.</summary>
    void Execute(int partition, int partitionCount);
}
