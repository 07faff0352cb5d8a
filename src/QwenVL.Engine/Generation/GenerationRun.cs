// One request, start to end, on the compute thread: prepare the prompt, encode images, prefill,
// then sample/decode until an eos id, a stop string, max_tokens or the context limit. Decoded text
// goes through a UTF-8-safe streaming decoder and the stop-string matcher before it is released.
using System.Diagnostics;
using System.Threading.Channels;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Sampling;
using QwenVL.Models;
using QwenVL.Tokenizer;

namespace QwenVL.Engine.Generation;

/// <summary>The compute side of a generation.</summary>
internal sealed class GenerationRun(VisionLanguageModel model, Conversation conversation, GenerationOptions options, CancellationToken cancel)
{
    public void Run(ChannelWriter<GeneratedToken> output)
    {
        PreparedPrompt prompt = PromptBuilder.Build(model, conversation, options);
        int promptTokens = prompt.TokenIds.Length;
        if (promptTokens >= model.ContextLength)
        {
            throw new EngineException($"the prompt has {promptTokens} tokens (images included); the model's context is {model.ContextLength}", "messages");
        }
        int capacity = (int)Math.Min(model.ContextLength, (long)promptTokens + options.MaxTokens);
        cancel.ThrowIfCancellationRequested();

        var clock = Stopwatch.StartNew();
        var embeddings = new List<float[]>(prompt.Images.Count);
        foreach (var image in prompt.Images)
        {
            embeddings.Add(model.Vision.Encode(image));
            cancel.ThrowIfCancellationRequested();
        }
        double visionMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        ModelSession session = model.CreateSession(capacity);
        ReadOnlySpan<float> logits = session.Prefill(prompt.TokenIds, embeddings, prompt.Positions);
        double prefillMs = clock.Elapsed.TotalMilliseconds;

        var sampler = new Sampler(SamplingParameters.Resolve(options, model.Generation), logits.Length);
        sampler.Observe(prompt.TokenIds);
        int[] stopIds = model.StopTokenIds;
        StreamingDecoder decoder = model.Tokenizer.CreateStreamingDecoder();
        var matcher = new StopStringMatcher(options.Stop);
        clock.Restart();
        for (int generated = 1; ; generated++)
        {
            cancel.ThrowIfCancellationRequested();
            int token = sampler.Sample(logits);
            GenerationStats Stats() => new(promptTokens, prompt.ImageTokenCounts,
                [.. prompt.Images.Select(i => (i.OriginalWidth, i.OriginalHeight, i.ResizedWidth, i.ResizedHeight))],
                generated, prompt.PreprocessMs, visionMs, prefillMs, clock.Elapsed.TotalMilliseconds);
            if (Array.IndexOf(stopIds, token) >= 0)
            {
                output.TryWrite(new GeneratedToken(token, matcher.Push(decoder.Flush()) + matcher.Flush(), FinishReason.Stop, Stats()));
                return;
            }
            string text = matcher.Push(decoder.Append(token));
            if (matcher.Stopped)
            {
                output.TryWrite(new GeneratedToken(token, text, FinishReason.Stop, Stats()));
                return;
            }
            if (generated >= options.MaxTokens || session.Length >= capacity)
            {
                output.TryWrite(new GeneratedToken(token, text + matcher.Push(decoder.Flush()) + matcher.Flush(), FinishReason.Length, Stats()));
                return;
            }
            output.TryWrite(new GeneratedToken(token, text, null, null));
            sampler.Observe([token]);
            logits = session.Decode(token);
        }
    }
}
