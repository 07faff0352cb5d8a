// One admitted generation, shared by the OpenAI and DashScope routes: take a queue slot, download
// the images, start the engine and wait for its first token, so that every input error (corrupt
// image, prompt longer than the context) surfaces before a 200 or an SSE header is sent. Owns the
// slot until disposed; cancellation comes from the client leaving, the per-request timeout or the
// end of the shutdown grace period, and the latter two become 504 / 503 errors.
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using QwenVL.Engine;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Server.Images;

namespace QwenVL.Server.Hosting;

/// <summary>A running generation holding an admission slot.</summary>
internal sealed class GenerationRun : IAsyncDisposable
{
    private readonly ServerState _state;
    private readonly RequestRecord _record;
    private readonly IDisposable _lease;
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private readonly IAsyncEnumerator<GeneratedToken> _tokens;
    private readonly GeneratedToken _first;
    private int _disposed;

    private GenerationRun(ServerState state, RequestRecord record, IDisposable lease, CancellationTokenSource timeout,
        CancellationTokenSource linked, IAsyncEnumerator<GeneratedToken> tokens, GeneratedToken first, InferenceEngine engine)
    {
        _state = state;
        _record = record;
        _lease = lease;
        _timeout = timeout;
        _linked = linked;
        _tokens = tokens;
        _first = first;
        Engine = engine;
    }

    /// <summary>The engine generating.</summary>
    public InferenceEngine Engine { get; }

    /// <summary>Cancelled when the generation must stop (client gone, timeout, shutdown).</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>Admits, resolves images and starts generating; throws <see cref="ApiException"/> for anything the client should hear.</summary>
    public static async Task<GenerationRun> StartAsync(HttpContext context, ServerState state, InferenceEngine engine,
        PendingConversation pending, GenerationOptions options)
    {
        long started = Stopwatch.GetTimestamp();
        RequestRecord record = Record(context);
        var timeout = new CancellationTokenSource(state.Options.RequestTimeout);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, timeout.Token, state.Drain);
        IDisposable? lease = null;
        IAsyncEnumerator<GeneratedToken>? tokens = null;
        try
        {
            lease = await state.Admission.EnterAsync(linked.Token).ConfigureAwait(false);
            Conversation conversation = await pending.ResolveAsync(state.Fetcher, linked.Token).ConfigureAwait(false);
            tokens = engine.GenerateAsync(conversation, options, linked.Token).GetAsyncEnumerator(linked.Token);
            if (!await tokens.MoveNextAsync().ConfigureAwait(false))
            {
                throw new InvalidOperationException("the engine ended a generation without a token");
            }
            double ttft = Stopwatch.GetElapsedTime(started).TotalSeconds;
            state.Metrics.RecordTimeToFirstToken(ttft);
            record.TimeToFirstTokenMs = Math.Round(ttft * 1000, 1);
            var run = new GenerationRun(state, record, lease, timeout, linked, tokens, tokens.Current, engine);
            run.Observe(tokens.Current);
            return run;
        }
        catch (Exception e)
        {
            if (tokens is not null)
            {
                await tokens.DisposeAsync().ConfigureAwait(false);
            }
            lease?.Dispose();
            bool timedOut = timeout.IsCancellationRequested;
            linked.Dispose();
            timeout.Dispose();
            throw Translate(e, context, state, timedOut);
        }
    }

    /// <summary>The tokens, first one included; the last has Finish and Stats.</summary>
    public async IAsyncEnumerable<GeneratedToken> ReadAllAsync()
    {
        yield return _first;
        if (_first.Finish is not null)
        {
            yield break;
        }
        while (true)
        {
            bool more;
            try
            {
                more = await _tokens.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                throw Translate(e, null, _state, _timeout.IsCancellationRequested);
            }
            if (!more)
            {
                yield break;
            }
            Observe(_tokens.Current);
            yield return _tokens.Current;
            if (_tokens.Current.Finish is not null)
            {
                yield break;
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // Disposing the engine's enumerator cancels a generation that has not finished.
        await _tokens.DisposeAsync().ConfigureAwait(false);
        _lease.Dispose();
        _linked.Dispose();
        _timeout.Dispose();
    }

    /// <summary>The request's log record (created on first use).</summary>
    public static RequestRecord Record(HttpContext context)
    {
        if (context.Items[RequestRecord.Key] is not RequestRecord r)
        {
            r = new RequestRecord();
            context.Items[RequestRecord.Key] = r;
        }
        return r;
    }

    private void Observe(GeneratedToken t)
    {
        if (t.Stats is GenerationStats s)
        {
            int image = s.ImageTokens.Sum();
            _record.PromptTokens = s.PromptTokens;
            _record.ImageTokens = image;
            _record.CompletionTokens = s.CompletionTokens;
            _record.Finish = t.Finish?.ToString().ToLowerInvariant();
            _state.Metrics.RecordTokens(s.PromptTokens, image, s.CompletionTokens);
        }
    }

    private static Exception Translate(Exception e, HttpContext? context, ServerState state, bool timedOut)
    {
        if (e is OperationCanceledException)
        {
            if (timedOut)
            {
                return ApiException.Timeout(state.Options.RequestTimeout);
            }
            if (state.Drain.IsCancellationRequested)
            {
                return ApiException.ShuttingDown();
            }
            if (context?.RequestAborted.IsCancellationRequested ?? true)
            {
                return e; // the client left: nobody to answer
            }
        }
        return e;
    }
}
