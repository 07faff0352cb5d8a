// Tests of the compute thread pool: every partition runs exactly once per call over many calls,
// failures propagate without killing workers, nested calls run inline, and a warmed-up call
// allocates nothing on the calling thread.
using QwenVL.Tensors;

namespace QwenVL.Tensors.Tests;

public unsafe class ComputeThreadPoolTests
{
    [Fact]
    public void Run_ManyRepetitions_RunsEachPartitionExactlyOnce()
    {
        using var pool = new ComputeThreadPool(4);
        var counts = new int[64];
        fixed (int* p = counts)
        {
            for (int rep = 0; rep < 3000; rep++)
            {
                int partitions = 1 + (rep % 37);
                var job = new CountingJob { Counts = p };
                pool.Run(ref job, partitions);
                for (int i = 0; i < counts.Length; i++)
                {
                    Assert.True(counts[i] == (i < partitions ? 1 : 0), $"rep {rep}: partition {i} of {partitions} ran {counts[i]} times");
                }
                Array.Clear(counts);
            }
        }
    }

    [Fact]
    public void Run_PartitionThrows_RethrowsAndStaysUsable()
    {
        using var pool = new ComputeThreadPool(3);
        var failing = new ThrowingJob { FailAt = 2 };
        var error = Assert.Throws<InvalidOperationException>(() => pool.Run(ref failing, 6));
        Assert.Equal("partition 2", error.Message);

        var counts = new int[6];
        fixed (int* p = counts)
        {
            var job = new CountingJob { Counts = p };
            pool.Run(ref job, 6);
        }
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public void Run_NestedCall_RunsInlineAndCompletes()
    {
        using var pool = new ComputeThreadPool(3);
        var counts = new int[5 * 4];
        fixed (int* p = counts)
        {
            var job = new NestedJob { Pool = pool, Counts = p, Inner = 4 };
            pool.Run(ref job, 5);
        }
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public void Run_AfterWarmUp_AllocatesNothing()
    {
        using var pool = new ComputeThreadPool(3);
        var counts = new int[8];
        fixed (int* p = counts)
        {
            var job = new CountingJob { Counts = p };
            for (int i = 0; i < 10; i++)
            {
                pool.Run(ref job, 8);
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                pool.Run(ref job, 8);
            }
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.All(counts, c => Assert.Equal(210, c));
    }

    [Fact]
    public void Run_SingleThread_RunsEverythingOnCaller()
    {
        using var pool = new ComputeThreadPool(1);
        Assert.Equal(1, pool.ThreadCount);
        var job = new ThreadRecordingJob { CallerThread = Environment.CurrentManagedThreadId };
        pool.Run(ref job, 7);
        Assert.Equal(7, job.Runs);
        Assert.False(job.SawOtherThread);
    }

    [Fact]
    public void Run_AfterDispose_Throws()
    {
        var pool = new ComputeThreadPool(2);
        pool.Dispose();
        var job = new ThrowingJob { FailAt = -1 };
        Assert.Throws<ObjectDisposedException>(() => pool.Run(ref job, 2));
    }

    [Fact]
    public void WorkerAllocatedBytes_AJobAllocatingOnTheWorker_IsCountedWhenRunReturns()
    {
        // Partition 1 of 2 runs on the pool's one worker and allocates a 4000-byte array there;
        // bench adds this counter to the calling thread's own to get a decode loop's allocation.
        using var pool = new ComputeThreadPool(2);
        var job = new AllocatingJob { Partition = 1, Bytes = 4000 };
        long before = ComputeThreadPool.WorkerAllocatedBytes;
        pool.Run(ref job, 2);
        long counted = ComputeThreadPool.WorkerAllocatedBytes - before;
        Assert.True(counted >= 4000, $"counted {counted} bytes");
        Assert.NotNull(AllocatingJob.Last);
    }

    private struct AllocatingJob : IParallelJob
    {
        public static byte[]? Last;
        public int Partition, Bytes;

        public readonly void Execute(int partition, int partitionCount)
        {
            if (partition == Partition)
            {
                Last = new byte[Bytes];
            }
        }
    }

    private struct CountingJob : IParallelJob
    {
        public int* Counts;

        public readonly void Execute(int partition, int partitionCount) => Interlocked.Increment(ref Counts[partition]);
    }

    private struct ThrowingJob : IParallelJob
    {
        public int FailAt;

        public readonly void Execute(int partition, int partitionCount)
        {
            if (partition == FailAt)
            {
                throw new InvalidOperationException($"partition {partition}");
            }
        }
    }

    private struct NestedJob : IParallelJob
    {
        public ComputeThreadPool Pool;
        public int* Counts;
        public int Inner;

        public readonly void Execute(int partition, int partitionCount)
        {
            var inner = new CountingJob { Counts = Counts + (partition * Inner) };
            Pool.Run(ref inner, Inner);
        }
    }

    private struct ThreadRecordingJob : IParallelJob
    {
        public int CallerThread;
        public int Runs;
        public bool SawOtherThread;

        public void Execute(int partition, int partitionCount)
        {
            Runs++;
            SawOtherThread |= Environment.CurrentManagedThreadId != CallerThread;
        }
    }
}
