// IChatClient (Microsoft.Extensions.AI) over an in-process InferenceEngine: maps messages and
// options, streams one ChatResponseUpdate per decoded text piece, reports usage with image tokens.
// It does not do tools, JSON-schema response formats or audio; the engine's scheduler does batching.
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using QwenVL.Engine;
using Conversation = QwenVL.Engine.Conversations.Conversation;
using QwenVL.Engine.Generation;

namespace QwenVL.Extensions.AI;

/// <summary>A chat client answering with a local Qwen2-VL / Qwen2.5-VL checkpoint.</summary>
/// <remarks>
/// Bad requests (unsupported roles or contents, images that fail to load, out-of-range options)
/// throw <see cref="EngineException"/> whose <see cref="EngineException.Field"/> names the part at
/// fault; tools and penalties throw <see cref="NotSupportedException"/>.
/// </remarks>
public sealed class QwenVLChatClient : IChatClient
{
    /// <summary>Provider name reported in <see cref="ChatClientMetadata"/>.</summary>
    public const string ProviderName = "qwenvl";

    private readonly QwenVLChatClientOptions _options;
    private readonly bool _ownsEngine;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Wraps an engine the caller owns (it is not disposed with the client).</summary>
    public QwenVLChatClient(InferenceEngine engine, QwenVLChatClientOptions? options = null)
        : this(engine, options ?? new QwenVLChatClientOptions(), ownsEngine: false)
    {
    }

    private QwenVLChatClient(InferenceEngine engine, QwenVLChatClientOptions options, bool ownsEngine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        Engine = engine;
        _options = options;
        _ownsEngine = ownsEngine;
        ModelId = options.ModelId ?? DefaultModelId(engine.Model.Info.Folder);
        _metadata = new ChatClientMetadata(ProviderName, providerUri: null, defaultModelId: ModelId);
    }

    /// <summary>Loads <see cref="QwenVLChatClientOptions.ModelPath"/>; the client owns and disposes the engine.</summary>
    public static QwenVLChatClient Load(QwenVLChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new QwenVLChatClient(LoadEngine(options), options, ownsEngine: true);
    }

    /// <summary>The engine answering requests.</summary>
    public InferenceEngine Engine { get; }

    /// <summary>Model id reported in metadata and responses.</summary>
    public string ModelId { get; }

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        (Conversation conversation, GenerationOptions generation) = await PrepareAsync(messages, options, cancellationToken).ConfigureAwait(false);
        GenerationResult result = await Engine.CompleteAsync(conversation, generation, cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, result.Text))
        {
            ResponseId = NewId(),
            ModelId = ModelId,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = OptionsMapper.Finish(result.FinishReason),
            Usage = OptionsMapper.Usage(result.Stats),
            AdditionalProperties = OptionsMapper.Properties(result.Stats),
        };
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        (Conversation conversation, GenerationOptions generation) = await PrepareAsync(messages, options, cancellationToken).ConfigureAwait(false);
        string responseId = NewId();
        DateTimeOffset created = DateTimeOffset.UtcNow;
        await foreach (GeneratedToken token in Engine.GenerateAsync(conversation, generation, cancellationToken).ConfigureAwait(false))
        {
            // Empty pieces (a held-back UTF-8 sequence or possible stop string) carry nothing to show.
            if (token.Text.Length > 0)
            {
                yield return Update(responseId, created, [new TextContent(token.Text)]);
            }
            if (token.Finish is FinishReason finish)
            {
                ChatResponseUpdate last = Update(responseId, created, token.Stats is { } s ? [new UsageContent(OptionsMapper.Usage(s))] : []);
                last.FinishReason = OptionsMapper.Finish(finish);
                if (token.Stats is { } stats)
                {
                    last.AdditionalProperties = OptionsMapper.Properties(stats);
                }
                yield return last;
                yield break;
            }
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }
        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }
        if (serviceType == typeof(InferenceEngine))
        {
            return Engine;
        }
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsEngine)
        {
            Engine.Dispose();
        }
    }

    internal static InferenceEngine LoadEngine(QwenVLChatClientOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ModelPath))
        {
            throw new InvalidOperationException("QwenVLChatClientOptions.ModelPath is required to load a model");
        }
        return InferenceEngine.Load(options.ModelPath, options.LoadOptions, options.EngineOptions);
    }

    private async Task<(Conversation, GenerationOptions)> PrepareAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken ct)
    {
        GenerationOptions generation = OptionsMapper.Map(options, _options);
        Conversation conversation = await ConversationMapper.MapAsync(messages, options?.Instructions, _options, ct).ConfigureAwait(false);
        return (conversation, generation);
    }

    private ChatResponseUpdate Update(string responseId, DateTimeOffset created, IList<AIContent> contents) => new(ChatRole.Assistant, contents)
    {
        ResponseId = responseId,
        MessageId = responseId,
        ModelId = ModelId,
        CreatedAt = created,
    };

    private static string NewId() => "chatcmpl-" + Guid.NewGuid().ToString("N");

    private static string DefaultModelId(string folder) =>
        Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))) is { Length: > 0 } name ? name : "qwenvl";
}
