// Fixed compute threads for the kernels: created once, statically partitioned, no allocation per
// call. Workers spin for 200 µs after each job (the next kernel usually follows within
// microseconds) and then block, so an idle engine does not burn cores. It is not a general task
// scheduler: one Run at a time; a nested or concurrent Run simply executes inline on its caller.
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace QwenVL.Tensors;

/// <summary>A fixed set of worker threads plus the calling thread running <see cref="IParallelJob"/>s.</summary>
public sealed class ComputeThreadPool : IDisposable
{
    // How long a worker spins (SpinOnce, which yields to other runnable threads as it backs off)
    // after a job before it blocks. Waking a blocked worker (Monitor.PulseAll, a futex) added about
    // 10 µs to a Run here against 1.1–3.0 µs for a spinning one, for Runs 20–100 µs apart; the old
    // bound of 40 SpinOnce iterations gave up in under 20 µs. 3B decode: +1–2% (paired runs).
    private static readonly long SpinTicks = Stopwatch.Frequency / 5_000; // 200 µs

    // Bytes every pool's workers have allocated, summed as each job ends (GC.GetAllocatedBytesForCurrentThread
    // deltas; one read per job, an interlocked add only when it moved).
    private static long s_workerAllocatedBytes;

    private readonly Thread[] _workers;
    private readonly object _gate = new();
    private readonly ManualResetEventSlim _done = new(false, spinCount: 200);
    private IJobRunner? _runner;
    private int _partitions;
    private int _generation;
    private int _pending;
    private int _busy;
    private volatile bool _disposed;
    private Exception? _error;

    /// <summary>Creates <c>threads − 1</c> workers; the caller of <see cref="Run"/> is the last participant.</summary>
    /// <param name="threads">Participating threads including the caller; 0 means <see cref="Environment.ProcessorCount"/>.</param>
    public ComputeThreadPool(int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        ThreadCount = threads == 0 ? Environment.ProcessorCount : threads;
        _workers = new Thread[ThreadCount - 1];
        // The event allocates its 24-byte lock object the first time a Wait has to block, which on a
        // loaded machine could happen inside a decode step; one short timed-out wait here creates it
        // up front (it spins, then blocks for at most 1 ms), so Run never allocates.
        _done.Wait(1);
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(WorkerLoop)
            {
                IsBackground = true,
                Name = $"qwenvl-compute-{i + 1}",
            };
            _workers[i].Start(i + 1);
        }
    }

    /// <summary>Threads that run partitions, the caller included.</summary>
    public int ThreadCount { get; }

    /// <summary>
    /// Bytes allocated on the workers of every pool in this process since it started, complete for
    /// every job that has returned from <see cref="Run"/>. With the calling thread's own
    /// GC.GetAllocatedBytesForCurrentThread it counts what a computation allocates and nothing that
    /// the runtime's background threads do meanwhile (the whole-process counter sees those too).
    /// </summary>
    public static long WorkerAllocatedBytes => Volatile.Read(ref s_workerAllocatedBytes);

    /// <summary>
    /// Runs partitions 0..<paramref name="partitions"/>−1 of <paramref name="job"/>, each exactly once,
    /// and returns when all are done. Participant <c>t</c> (the caller is 0) runs partitions
    /// <c>t, t + ThreadCount, …</c>. The first exception thrown by a partition is rethrown here
    /// after every participant has finished.
    /// </summary>
    public void Run<TJob>(ref TJob job, int partitions)
        where TJob : struct, IParallelJob
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(partitions);
        if (partitions <= 1 || _workers.Length == 0 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int p = 0; p < partitions; p++)
            {
                job.Execute(p, partitions);
            }
            return;
        }

        // Workers cannot hold a ref to the caller's struct, so it is copied into a box that is
        // cached per calling thread and job type: allocation happens once, never per call.
        JobBox<TJob> box = JobBox<TJob>.ForCurrentThread();
        box.Job = job;
        try
        {
            _runner = box;
            _partitions = partitions;
            _error = null;
            _pending = _workers.Length;
            _done.Reset();
            lock (_gate)
            {
                Interlocked.Increment(ref _generation);
                Monitor.PulseAll(_gate);
            }
            RunShare(box, 0, partitions);
            _done.Wait();
            job = box.Job;
        }
        finally
        {
            box.Job = default;
            _runner = null;
            Volatile.Write(ref _busy, 0);
        }
        if (_error is { } error)
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }

    /// <summary>Stops and joins the workers.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        lock (_gate)
        {
            Interlocked.Increment(ref _generation);
            Monitor.PulseAll(_gate);
        }
        foreach (Thread worker in _workers)
        {
            worker.Join();
        }
        _done.Dispose();
    }

    private void RunShare(IJobRunner runner, int participant, int partitions)
    {
        try
        {
            for (int p = participant; p < partitions; p += ThreadCount)
            {
                runner.Execute(p, partitions);
            }
        }
        catch (Exception ex)
        {
            Interlocked.CompareExchange(ref _error, ex, null);
        }
    }

    private void WorkerLoop(object? state)
    {
        int participant = (int)state!;
        int seen = 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        while (true)
        {
            seen = WaitForNextGeneration(seen);
            if (_disposed)
            {
                return;
            }
            RunShare(_runner!, participant, _partitions);
            // Counted before the job is reported done, so a Run that has returned is fully counted.
            long now = GC.GetAllocatedBytesForCurrentThread();
            if (now != allocated)
            {
                Interlocked.Add(ref s_workerAllocatedBytes, now - allocated);
                allocated = now;
            }
            if (Interlocked.Decrement(ref _pending) == 0)
            {
                _done.Set();
            }
        }
    }

    private int WaitForNextGeneration(int seen)
    {
        var spinner = new SpinWait();
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() - start < SpinTicks)
        {
            int generation = Volatile.Read(ref _generation);
            if (generation != seen)
            {
                return generation;
            }
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        lock (_gate)
        {
            while (_generation == seen)
            {
                Monitor.Wait(_gate);
            }
            return _generation;
        }
    }

    private interface IJobRunner
    {
        void Execute(int partition, int partitionCount);
    }

    private sealed class JobBox<TJob> : IJobRunner
        where TJob : struct, IParallelJob
    {
        [ThreadStatic]
        private static JobBox<TJob>? t_box;

        public TJob Job;

        public static JobBox<TJob> ForCurrentThread() => t_box ??= new JobBox<TJob>();

        public void Execute(int partition, int partitionCount) => Job.Execute(partition, partitionCount);
    }
}
