// Shared test inputs: the two fixture tokenizers (loaded once per test run, ~0.5 s each), the golden
// cases, and a small hand-built tokenizer.json for flag tests. It deliberately computes no expectations.
using System.Text.Json;
using QwenVL.Testing;
using QwenVL.Tokenizer;

namespace QwenVL.Tokenizer.Tests;

internal static class TestTokenizers
{
    private static readonly Lazy<Qwen2Tokenizer> LazyQwen25 =
        new(() => Qwen2Tokenizer.Load(Fixtures.Path("models", "qwen2.5-vl-tiny", "tokenizer.json")));

    private static readonly Lazy<Qwen2Tokenizer> LazyQwen2 =
        new(() => Qwen2Tokenizer.Load(Fixtures.Path("models", "qwen2-vl-tiny", "tokenizer.json")));

    /// <summary>qwen2.5-vl-tiny: merges stored as "a b" strings.</summary>
    public static Qwen2Tokenizer Qwen25 => LazyQwen25.Value;

    /// <summary>qwen2-vl-tiny: merges stored as ["a", "b"] pairs.</summary>
    public static Qwen2Tokenizer Qwen2 => LazyQwen2.Value;

    public static Qwen2Tokenizer ByModel(string model) => model switch
    {
        "qwen2.5-vl-tiny" => Qwen25,
        "qwen2-vl-tiny" => Qwen2,
        _ => throw new ArgumentException("unknown fixture model " + model, nameof(model)),
    };

    public sealed record GoldenCase(string Text, int[] Ids, string[] Tokens, string Decoded);

    public static IReadOnlyList<GoldenCase> GoldenCases { get; } = LoadGoldenCases();

    private static List<GoldenCase> LoadGoldenCases()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(Fixtures.Path("golden", "tokenizer_cases.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new GoldenCase(
            c.GetProperty("text").GetString()!,
            c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            c.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            c.GetProperty("decoded").GetString()!)).ToList();
    }

    /// <summary>
    /// A tiny Qwen2-style tokenizer.json: the 256 byte tokens (id = byte value), merges building "hello"
    /// (ids 256-259) and "Ġwo" (260-261), and five added tokens with ids 262-266:
    /// &lt;sep&gt; (special, lstrip), &lt;s&gt; (special), [R] (rstrip), word (single_word), café (normalized).
    /// </summary>
    public static string MiniJson(string? modelOverride = null, string? normalizer = null)
    {
        var vocab = new Dictionary<string, int>();
        for (int b = 0; b < 256; b++)
        {
            vocab[ByteLevelAlphabet.ByteToChar[b].ToString()] = b;
        }
        string[] extra = ["he", "ll", "hell", "hello", "Ġw", "Ġwo"];
        for (int i = 0; i < extra.Length; i++)
        {
            vocab[extra[i]] = 256 + i;
        }
        var model = new
        {
            type = "BPE", dropout = (double?)null, unk_token = (string?)null, continuing_subword_prefix = "",
            end_of_word_suffix = "", fuse_unk = false, byte_fallback = false, ignore_merges = false,
            vocab, merges = new[] { "h e", "l l", "he ll", "hell o", "Ġ w", "Ġw o" },
        };
        string added = """
            [{"id": 262, "content": "<sep>", "single_word": false, "lstrip": true, "rstrip": false, "normalized": false, "special": true},
             {"id": 263, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
             {"id": 264, "content": "[R]", "single_word": false, "lstrip": false, "rstrip": true, "normalized": false, "special": false},
             {"id": 265, "content": "word", "single_word": true, "lstrip": false, "rstrip": false, "normalized": false, "special": false},
             {"id": 266, "content": "café", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": false}]
            """;
        string pre = $$"""
            {"type": "Sequence", "pretokenizers": [
              {"type": "Split", "pattern": {"Regex": {{JsonSerializer.Serialize(Qwen2PreTokenizer.Pattern)}}}, "behavior": "Isolated", "invert": false},
              {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}]}
            """;
        return $$"""
            {"version": "1.0", "truncation": null, "padding": null, "added_tokens": {{added}},
             "normalizer": {{normalizer ?? "{\"type\": \"NFC\"}"}}, "pre_tokenizer": {{pre}}, "post_processor": null,
             "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
             "model": {{modelOverride ?? JsonSerializer.Serialize(model)}}}
            """;
    }
}
