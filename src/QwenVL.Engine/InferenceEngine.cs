// The single in-process entry every front door uses: load a checkpoint, then stream generations
// as IAsyncEnumerable<GeneratedToken>. Compute runs on the scheduler's dedicated thread (never on a
// thread-pool thread the caller awaits on); concurrent requests share batched decode steps.
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using QwenVL.Engine.Caching;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Engine.Scheduling;
using QwenVL.Models;

namespace QwenVL.Engine;

/// <summary>A loaded model that answers conversations.</summary>
public sealed class InferenceEngine : IDisposable
{
    private readonly Scheduler _scheduler;

    private InferenceEngine(VisionLanguageModel model, TimeSpan loadTime, EngineOptions options)
    {
        Model = model;
        LoadTime = loadTime;
        Options = options;
        _scheduler = new Scheduler(model, options);
    }

    /// <summary>The model.</summary>
    public VisionLanguageModel Model { get; }

    /// <summary>How long loading took.</summary>
    public TimeSpan LoadTime { get; }

    /// <summary>Engine options in force.</summary>
    public EngineOptions Options { get; }

    /// <summary>Cached image embeddings (hits, bytes).</summary>
    public ImageEmbeddingCache ImageCache => _scheduler.ImageCache;

    /// <summary>Idle KV caches kept for prefix reuse.</summary>
    public SessionPool Sessions => _scheduler.Sessions;

    /// <summary>Loads a checkpoint folder (ModelException on a bad checkpoint).</summary>
    public static InferenceEngine Load(string folder, ModelLoadOptions? options = null, EngineOptions? engine = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        VisionLanguageModel model = ModelRegistry.Load(folder, options);
        return new InferenceEngine(model, clock.Elapsed, engine ?? new EngineOptions());
    }

    /// <summary>Builds the model input for a conversation without running the model (token counts, image sizes).</summary>
    public PreparedPrompt Prepare(Conversation conversation, GenerationOptions? options = null) =>
        PromptBuilder.Build(Model, conversation, options ?? new GenerationOptions(), ImageCache);

    /// <summary>
    /// Streams the reply to <paramref name="conversation"/>. The last item has a non-null
    /// <see cref="GeneratedToken.Finish"/> and <see cref="GeneratedToken.Stats"/>. Several calls may
    /// run at once: they share decode steps. Cancelling <paramref name="cancellationToken"/> (or
    /// leaving the loop early) drops the request at the next step and throws
    /// <see cref="OperationCanceledException"/> to a cancelled caller.
    /// </summary>
    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(Conversation conversation, GenerationOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options.Validate();
        var channel = Channel.CreateUnbounded<GeneratedToken>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _scheduler.Enqueue(new Sequence(conversation, options, channel.Writer, stop.Token));
        try
        {
            await foreach (GeneratedToken token in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return token;
            }
        }
        finally
        {
            // Tell the scheduler to drop the request if the consumer left before the end.
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Runs a generation to the end and collects it.</summary>
    public async Task<GenerationResult> CompleteAsync(Conversation conversation, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        var ids = new List<int>();
        var text = new System.Text.StringBuilder();
        await foreach (GeneratedToken t in GenerateAsync(conversation, options, cancellationToken).ConfigureAwait(false))
        {
            if (t.Id >= 0)
            {
                ids.Add(t.Id);
            }
            text.Append(t.Text);
            if (t.Finish is FinishReason finish)
            {
                return new GenerationResult(text.ToString(), ids, finish, t.Stats!);
            }
        }
        throw new InvalidOperationException("generation ended without a finish reason");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _scheduler.Dispose();
        Model.Dispose();
    }
}

/// <summary>A finished generation.</summary>
public sealed record GenerationResult(string Text, IReadOnlyList<int> TokenIds, FinishReason FinishReason, GenerationStats Stats);
