// One request in flight: its prompt, KV session, sampler, UTF-8-safe text decoder and stop-string
// matcher, the channel its tokens go to, and its timings. Accept() turns a sampled token into
// output and decides whether the sequence is finished (eos id, stop string, closed JSON document under a
// response format, max_tokens, full cache).
using System.Diagnostics;
using System.Threading.Channels;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Engine.Sampling;
using QwenVL.Models;
using QwenVL.Tokenizer;

namespace QwenVL.Engine.Scheduling;

/// <summary>State of one generation.</summary>
internal sealed class Sequence(Conversation conversation, GenerationOptions options, ChannelWriter<GeneratedToken> output, CancellationToken cancel)
{
    private readonly Stopwatch _decodeClock = new();
    private Sampler _sampler = null!;
    private StreamingDecoder _decoder = null!;
    private StopStringMatcher _matcher = null!;
    private int[] _stopIds = [];
    private Constraints.JsonConstraint? _constraint;
    private ulong[] _mask = [];
    private int _capacity;

    public Conversation Conversation { get; } = conversation;

    public GenerationOptions Options { get; } = options;

    public CancellationToken Cancel { get; } = cancel;

    public PreparedPrompt Prompt { get; private set; } = null!;

    public ModelSession? Session { get; private set; }

    /// <summary>Content keys of every token in the session's cache.</summary>
    public List<ulong> FedKeys { get; } = [];

    /// <summary>The last sampled token, to be fed at the next step.</summary>
    public int PendingToken { get; private set; }

    public int Generated { get; private set; }

    public double VisionMs { get; set; }

    public double PrefillMs { get; set; }

    /// <summary>Prompt tokens whose KV came from the session cache (not prefilled again).</summary>
    public int CachedTokens { get; set; }

    /// <summary>Binds the prepared prompt and its session, after prefill produced <paramref name="logits"/>.</summary>
    public bool Begin(VisionLanguageModel model, PreparedPrompt prompt, ModelSession session, int capacity, ReadOnlySpan<float> logits)
    {
        Prompt = prompt;
        Session = session;
        _capacity = capacity;
        FedKeys.AddRange(prompt.ContentKeys);
        _sampler = new Sampler(SamplingParameters.Resolve(Options, model.Generation), logits.Length);
        _sampler.Observe(prompt.TokenIds);
        _stopIds = model.StopTokenIds;
        _decoder = model.Tokenizer.CreateStreamingDecoder();
        _matcher = new StopStringMatcher(Options.Stop);
        if (Options.ResponseFormat is { } format)
        {
            _constraint = Constraints.JsonConstraint.Create(format, model.Tokenizer, _stopIds);
            _mask = new ulong[(logits.Length + 63) / 64];
        }
        _decodeClock.Start();
        return Accept(logits);
    }

    /// <summary>Samples from <paramref name="logits"/>, emits the token and returns true when the sequence is finished.</summary>
    public bool Accept(ReadOnlySpan<float> logits)
    {
        _constraint?.ComputeMask(_mask);
        int token = _sampler.Sample(logits, _mask);
        _constraint?.Advance(token);
        // Log-probabilities of the model's raw distribution (before penalty and temperature), only on request.
        TokenLogprobs? logprobs = Options.Logprobs is int top ? TokenLogprobs.Compute(logits, token, top) : null;
        Generated++;
        if (Array.IndexOf(_stopIds, token) >= 0)
        {
            Emit(token, _matcher.Push(_decoder.Flush()) + _matcher.Flush(), FinishReason.Stop, logprobs);
            return true;
        }
        string text = _matcher.Push(_decoder.Append(token));
        if (_matcher.Stopped)
        {
            Emit(token, text, FinishReason.Stop, logprobs);
            return true;
        }
        if (_constraint is { IsComplete: true })
        {
            // The JSON document is closed: end now rather than spend a step on the only allowed token (EOS).
            Emit(token, text + _matcher.Push(_decoder.Flush()) + _matcher.Flush(), FinishReason.Stop, logprobs);
            return true;
        }
        if (Generated >= Options.MaxTokens || Session!.Length >= _capacity)
        {
            Emit(token, text + _matcher.Push(_decoder.Flush()) + _matcher.Flush(), FinishReason.Length, logprobs);
            return true;
        }
        output.TryWrite(new GeneratedToken(token, text, null, null, logprobs));
        _sampler.Observe([token]);
        PendingToken = token;
        return false;
    }

    /// <summary>Records that the pending token is now in the cache.</summary>
    public void Fed() => FedKeys.Add((uint)PendingToken);

    /// <summary>Ends the stream with an error (including cancellation).</summary>
    public void Fail(Exception e) => output.TryComplete(e);

    private void Emit(int token, string text, FinishReason finish, TokenLogprobs? logprobs)
    {
        _decodeClock.Stop();
        var stats = new GenerationStats(Prompt.TokenIds.Length, Prompt.ImageTokenCounts,
            [.. Prompt.Images.Select(i => (i.OriginalWidth, i.OriginalHeight, i.ResizedWidth, i.ResizedHeight))],
            Generated, Prompt.PreprocessMs, VisionMs, PrefillMs, _decodeClock.Elapsed.TotalMilliseconds)
        { CachedTokens = CachedTokens };
        output.TryWrite(new GeneratedToken(token, text, finish, stats, logprobs));
        output.TryComplete();
    }
}
