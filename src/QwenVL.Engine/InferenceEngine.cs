// The single in-process entry every front door uses: load a checkpoint, then stream generations
// as IAsyncEnumerable<GeneratedToken>. Compute runs on a dedicated thread per request (never on a
// thread-pool thread the caller awaits on); requests run one at a time until batching arrives.
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Models;

namespace QwenVL.Engine;

/// <summary>A loaded model that answers conversations.</summary>
public sealed class InferenceEngine : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    private InferenceEngine(VisionLanguageModel model, TimeSpan loadTime)
    {
        Model = model;
        LoadTime = loadTime;
    }

    /// <summary>The model.</summary>
    public VisionLanguageModel Model { get; }

    /// <summary>How long loading took.</summary>
    public TimeSpan LoadTime { get; }

    /// <summary>Loads a checkpoint folder (ModelException on a bad checkpoint).</summary>
    public static InferenceEngine Load(string folder, ModelLoadOptions? options = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        VisionLanguageModel model = ModelRegistry.Load(folder, options);
        return new InferenceEngine(model, clock.Elapsed);
    }

    /// <summary>Builds the model input for a conversation without running the model (token counts, image sizes).</summary>
    public PreparedPrompt Prepare(Conversation conversation, GenerationOptions? options = null) =>
        PromptBuilder.Build(Model, conversation, options ?? new GenerationOptions());

    /// <summary>
    /// Streams the reply to <paramref name="conversation"/>. The last item has a non-null
    /// <see cref="GeneratedToken.Finish"/> and <see cref="GeneratedToken.Stats"/>. Cancelling
    /// <paramref name="cancellationToken"/> stops compute within one token and throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(Conversation conversation, GenerationOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options.Validate();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateUnbounded<GeneratedToken>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        Task producer = Task.Factory.StartNew(() =>
        {
            try
            {
                new GenerationRun(Model, conversation, options, stop.Token).Run(channel.Writer);
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await foreach (GeneratedToken token in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return token;
            }
        }
        finally
        {
            // The consumer may stop early (break, dispose, cancel): stop compute before releasing the model.
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
            _gate.Release();
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
        Model.Dispose();
        _gate.Dispose();
    }
}

/// <summary>A finished generation.</summary>
public sealed record GenerationResult(string Text, IReadOnlyList<int> TokenIds, FinishReason FinishReason, GenerationStats Stats);
