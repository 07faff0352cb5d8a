// The bounded queue in front of the engines: at most MaxConcurrency requests hold a slot (generate)
// and at most MaxQueue wait for one; anything beyond is refused at once (429) rather than piling up
// memory. It does not order by priority or fairness beyond the semaphore's FIFO-ish wakeups.
namespace QwenVL.Server.Hosting;

/// <summary>Admission control for generation requests.</summary>
public sealed class AdmissionQueue : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly int _maxConcurrency;
    private readonly int _maxQueue;
    private int _waiting;
    private volatile bool _closed;

    /// <summary>Creates the queue.</summary>
    public AdmissionQueue(int maxConcurrency, int maxQueue)
    {
        _maxConcurrency = maxConcurrency;
        _maxQueue = maxQueue;
        _slots = new SemaphoreSlim(maxConcurrency, maxConcurrency);
    }

    /// <summary>Requests waiting for a slot.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Requests holding a slot.</summary>
    public int InFlight => _maxConcurrency - _slots.CurrentCount;

    /// <summary>True after <see cref="Close"/>.</summary>
    public bool Closed => _closed;

    /// <summary>Refuses new requests from now on (shutdown).</summary>
    public void Close() => _closed = true;

    /// <summary>
    /// Takes a slot, waiting in the queue if there is room there; throws <see cref="ApiException"/> 429 when
    /// the queue is full and 503 after <see cref="Close"/>. Dispose the lease to free the slot.
    /// </summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (_closed)
        {
            throw ApiException.ShuttingDown();
        }
        if (!_slots.Wait(0, CancellationToken.None))
        {
            if (Interlocked.Increment(ref _waiting) > _maxQueue)
            {
                Interlocked.Decrement(ref _waiting);
                throw ApiException.QueueFull();
            }
            try
            {
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }
        return new Lease(_slots);
    }

    /// <inheritdoc/>
    public void Dispose() => _slots.Dispose();

    private sealed class Lease(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            // Idempotent: both the stream writer and the response's dispose registration may release it.
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
