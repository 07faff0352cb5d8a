// `qwenvl bench --second-turn`: a follow-up question about the same image through the Engine, the
// way a chat user asks it. Turn 1 sends the image and a question; turn 2 resends the image, turn 1's
// answer and a new question. With the image-embedding cache and KV-prefix reuse, turn 2 should run
// no vision tower and prefill only the new tokens; the result says how far it got.
using QwenVL.Engine;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Models;

namespace QwenVL.Cli.Bench;

/// <summary>Turn 2's time to first token and what it had to compute.</summary>
/// <param name="TtftMs">Preprocess + vision + prefill of turn 2.</param>
/// <param name="VisionMs">Vision-tower time of turn 2 (0 when the embedding was cached or the prefix reused).</param>
/// <param name="PromptTokens">Turn 2's whole prompt.</param>
/// <param name="CachedTokens">Of those, tokens whose KV was reused from turn 1.</param>
/// <param name="FirstTurnTtftMs">Turn 1's time to first token, for scale.</param>
public sealed record SecondTurnResult(double TtftMs, double VisionMs, int PromptTokens, int CachedTokens, double FirstTurnTtftMs)
{
    /// <summary>Tokens turn 2 had to prefill.</summary>
    public int NewTokens => PromptTokens - CachedTokens;
}

/// <summary>Measures a second turn about the same image.</summary>
public static class SecondTurnBench
{
    /// <summary>Runs the two turns once (after a text-only warm-up) and reports turn 2.</summary>
    public static async Task<SecondTurnResult> Run(string folder, ModelLoadOptions load, byte[] png, int answerTokens, CancellationToken ct)
    {
        using InferenceEngine engine = InferenceEngine.Load(folder, load);
        var options = new GenerationOptions { MaxTokens = Math.Max(1, answerTokens), Temperature = 0, RepetitionPenalty = 1 };
        await engine.CompleteAsync(new([ChatMessage.FromText("user", "Warm up.")]), options with { MaxTokens = 2 }, ct);

        var image = new ImagePart(new ImageInput(png, "bench image"));
        var ask = new ChatMessage("user", [image, new TextPart("What does this chart show?")]);
        GenerationResult first = await engine.CompleteAsync(new([ask]), options, ct);
        Conversation second = new([ask, ChatMessage.FromText("assistant", first.Text),
            ChatMessage.FromText("user", "Which region grows fastest, and by how much?")]);
        GenerationResult next = await engine.CompleteAsync(second, options with { MaxTokens = 1 }, ct);
        GenerationStats s = next.Stats;
        return new SecondTurnResult(s.TimeToFirstTokenMs, s.VisionMs, s.PromptTokens, s.CachedTokens, first.Stats.TimeToFirstTokenMs);
    }
}
