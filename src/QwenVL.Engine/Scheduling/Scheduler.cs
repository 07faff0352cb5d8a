// The engine's compute thread. It admits queued requests (prompt preparation, vision tower with the
// image cache, prefill after the longest reusable KV prefix), then runs one batched decode step for
// every active sequence (continuous batching: sequences join and leave between steps). A request
// whose consumer cancels is dropped at the next step and its session returns to the pool.
using System.Collections.Concurrent;
using System.Diagnostics;
using QwenVL.Engine.Caching;
using QwenVL.Engine.Generation;
using QwenVL.Models;

namespace QwenVL.Engine.Scheduling;

/// <summary>Runs every generation of one model on a dedicated thread.</summary>
internal sealed class Scheduler : IDisposable
{
    private readonly VisionLanguageModel _model;
    private readonly ConcurrentQueue<Sequence> _pending = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly List<Sequence> _active = [];
    private readonly BatchDecoder _batch;
    private readonly ModelSession[] _sessions;
    private readonly int[] _tokens;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public Scheduler(VisionLanguageModel model, EngineOptions options)
    {
        _model = model;
        _batch = new BatchDecoder(model, options.MaxBatch);
        _sessions = new ModelSession[options.MaxBatch];
        _tokens = new int[options.MaxBatch];
        ImageCache = new ImageEmbeddingCache(options.ImageCacheBytes);
        Sessions = new SessionPool(model, options.SessionCacheBytes, options.MinSessionCapacity);
        _thread = new Thread(Loop) { IsBackground = true, Name = "qwenvl-compute" };
        _thread.Start();
    }

    public ImageEmbeddingCache ImageCache { get; }

    public SessionPool Sessions { get; }

    public void Enqueue(Sequence sequence)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _pending.Enqueue(sequence);
        _signal.Release();
    }

    private void Loop()
    {
        while (true)
        {
            while (_active.Count < _batch.MaxBatch && _pending.TryDequeue(out Sequence? next))
            {
                Admit(next);
            }
            DropCancelled();
            if (_active.Count == 0)
            {
                if (_stopping)
                {
                    break;
                }
                _signal.Wait();
                continue;
            }
            Step();
        }
        while (_pending.TryDequeue(out Sequence? left))
        {
            left.Fail(new ObjectDisposedException(nameof(InferenceEngine), "the engine was disposed"));
        }
    }

    private void Admit(Sequence s)
    {
        try
        {
            s.Cancel.ThrowIfCancellationRequested();
            PreparedPrompt prompt = PromptBuilder.Build(_model, s.Conversation, s.Options, ImageCache);
            int n = prompt.TokenIds.Length;
            if (n >= _model.ContextLength)
            {
                throw new EngineException($"the prompt has {n} tokens (images included); the model's context is {_model.ContextLength}", "messages");
            }
            int capacity = (int)Math.Min(_model.ContextLength, (long)n + s.Options.MaxTokens);
            LentSession lent = Sessions.Acquire(prompt.ContentKeys, capacity, prompt.ImageRuns);
            try
            {
                var clock = Stopwatch.StartNew();
                var embeddings = new List<float[]>();
                for (int i = 0; i < prompt.Images.Count; i++)
                {
                    if (prompt.ImageRuns[i].Start < lent.ReusedTokens)
                    {
                        continue; // already in the reused KV prefix
                    }
                    embeddings.Add(Encode(prompt.Images[i]));
                    s.Cancel.ThrowIfCancellationRequested();
                }
                s.VisionMs = clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                int from = lent.ReusedTokens;
                s.CachedTokens = from;
                var positions = new Models.Multimodal.MRopePositionIds(prompt.Positions.T[from..], prompt.Positions.H[from..],
                    prompt.Positions.W[from..], prompt.Positions.RopeDelta);
                ReadOnlySpan<float> logits = lent.Session.Prefill(prompt.TokenIds.AsSpan(from), embeddings, positions);
                s.PrefillMs = clock.Elapsed.TotalMilliseconds;
                if (!s.Begin(_model, prompt, lent.Session, capacity, logits))
                {
                    _active.Add(s);
                }
                else
                {
                    Sessions.Release(lent.Session, [.. s.FedKeys]);
                }
            }
            catch
            {
                lent.Session.Reset();
                throw;
            }
        }
        catch (Exception e)
        {
            s.Fail(e);
        }
    }

    private float[] Encode(PreparedImage image)
    {
        if (image.Cached is not null)
        {
            return image.Cached.Embeddings;
        }
        float[] embeddings = _model.Vision.Encode(image.Pixels!);
        ImageCache.Add(image.Key, new CachedImage(image.Grid, image.OriginalWidth, image.OriginalHeight, image.ResizedWidth, image.ResizedHeight, embeddings));
        return embeddings;
    }

    private void DropCancelled()
    {
        for (int i = _active.Count - 1; i >= 0; i--)
        {
            Sequence s = _active[i];
            if (s.Cancel.IsCancellationRequested)
            {
                _active.RemoveAt(i);
                s.Fail(new OperationCanceledException(s.Cancel));
                Sessions.Release(s.Session!, [.. s.FedKeys]);
            }
        }
    }

    private void Step()
    {
        int count = _active.Count;
        for (int r = 0; r < count; r++)
        {
            _sessions[r] = _active[r].Session!;
            _tokens[r] = _active[r].PendingToken;
        }
        ReadOnlySpan<float> logits;
        try
        {
            logits = _batch.Step(_sessions.AsSpan(0, count), _tokens.AsSpan(0, count));
        }
        catch (Exception e)
        {
            foreach (Sequence s in _active)
            {
                s.Fail(e);
                s.Session!.Reset();
            }
            _active.Clear();
            return;
        }
        int vocab = logits.Length / count;
        for (int r = count - 1; r >= 0; r--)
        {
            Sequence s = _active[r];
            s.Fed();
            if (s.Accept(logits.Slice(r * vocab, vocab)))
            {
                _active.RemoveAt(r);
                Sessions.Release(s.Session!, [.. s.FedKeys]);
            }
        }
        Array.Clear(_sessions, 0, count);
    }

    public void Dispose()
    {
        _stopping = true;
        _signal.Release();
        _thread.Join();
        _signal.Dispose();
    }
}
