// Rebuilds the Hugging Face tokenizer.json of a Qwen2 byte-level BPE from a GGUF's tokenizer.ggml.*
// keys (tokens, token_type, merges, pre = "qwen2") and loads it with Qwen2Tokenizer.FromJson, so GGUF
// and safetensors checkpoints tokenize with the same code. Token types follow llama.cpp: CONTROL and
// USER_DEFINED tokens are the added tokens (special = CONTROL); UNUSED ones are the "[PADn]" rows
// the converter appends up to the embedding size and are left out. Other pre-tokenizers are refused.
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using QwenVL.Checkpoints.Gguf;
using QwenVL.Tokenizer;

namespace QwenVL.Models.Gguf;

/// <summary>The tokenizer stored in a GGUF file.</summary>
public static class GgufTokenizer
{
    /// <summary>The Qwen2 split pattern (tokenizer.json of every Qwen2/2.5/VL checkpoint; llama.cpp's LLAMA_VOCAB_PRE_TYPE_QWEN2).</summary>
    public const string Qwen2Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    // llama.cpp's llama_token_type values (gguf-py TokenType).
    private const int Normal = 1, Control = 3, UserDefined = 4, Unused = 5;

    /// <summary>Loads the tokenizer of <paramref name="file"/>; <see cref="ModelException"/> naming the key on bad data.</summary>
    public static Qwen2Tokenizer Load(GgufFile file)
    {
        string json = ToTokenizerJson(file.Metadata);
        try
        {
            return Qwen2Tokenizer.FromJson(json, file.Path + " (tokenizer.ggml.*)");
        }
        catch (TokenizerException e)
        {
            throw new ModelException(e.Message, file.Path, "tokenizer.ggml.tokens", e);
        }
    }

    /// <summary>The tokenizer.json text equivalent to the GGUF's tokenizer keys.</summary>
    public static string ToTokenizerJson(GgufMetadata m)
    {
        string model = m.RequireString("tokenizer.ggml.model");
        if (model != "gpt2")
        {
            throw new ModelException($"{m.File}: tokenizer.ggml.model is '{model}'; Qwen-VL uses the byte-level BPE 'gpt2' model", m.File, "tokenizer.ggml.model");
        }
        string pre = m.String("tokenizer.ggml.pre") ?? "qwen2";
        if (pre != "qwen2")
        {
            throw new ModelException($"{m.File}: tokenizer.ggml.pre is '{pre}'; only the Qwen2 pre-tokenizer ('qwen2') is supported", m.File, "tokenizer.ggml.pre");
        }
        string[] tokens = m.StringArray("tokenizer.ggml.tokens") ?? throw m.Error("tokenizer.ggml.tokens", "is required but absent");
        long[] types = m.IntegerArray("tokenizer.ggml.token_type") ?? [.. tokens.Select(_ => (long)Normal)];
        if (types.Length != tokens.Length)
        {
            throw m.Error("tokenizer.ggml.token_type", $"has {types.Length} entries but tokenizer.ggml.tokens has {tokens.Length}");
        }
        string[] merges = m.StringArray("tokenizer.ggml.merges") ?? throw m.Error("tokenizer.ggml.merges", "is required for a BPE tokenizer but absent");

        using var buffer = new MemoryStream();
        // Relaxed escaping keeps the 150k tokens as raw UTF-8 (the default would \u-escape every non-ASCII one).
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteStartArray("added_tokens");
            for (int id = 0; id < tokens.Length; id++)
            {
                if (types[id] is Control or UserDefined)
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", id);
                    w.WriteString("content", tokens[id]);
                    w.WriteBoolean("single_word", false);
                    w.WriteBoolean("lstrip", false);
                    w.WriteBoolean("rstrip", false);
                    w.WriteBoolean("normalized", false);
                    w.WriteBoolean("special", types[id] == Control);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();
            w.WriteStartObject("normalizer");
            w.WriteString("type", "NFC");
            w.WriteEndObject();
            WritePreTokenizer(w);
            w.WriteStartObject("decoder");
            WriteByteLevel(w);
            w.WriteEndObject();
            w.WriteStartObject("model");
            w.WriteString("type", "BPE");
            w.WriteBoolean("byte_fallback", false);
            w.WriteBoolean("ignore_merges", false);
            w.WriteStartObject("vocab");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int id = 0; id < tokens.Length; id++)
            {
                if (types[id] is Control or UserDefined or Unused)
                {
                    continue;
                }
                if (!seen.Add(tokens[id]))
                {
                    throw m.Error("tokenizer.ggml.tokens", $"lists token '{tokens[id]}' twice (again at id {id})");
                }
                w.WriteNumber(tokens[id], id);
            }
            w.WriteEndObject();
            w.WriteStartArray("merges");
            foreach (string merge in merges)
            {
                w.WriteStringValue(merge);
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WritePreTokenizer(Utf8JsonWriter w)
    {
        w.WriteStartObject("pre_tokenizer");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("pretokenizers");
        w.WriteStartObject();
        w.WriteString("type", "Split");
        w.WriteStartObject("pattern");
        w.WriteString("Regex", Qwen2Pattern);
        w.WriteEndObject();
        w.WriteString("behavior", "Isolated");
        w.WriteBoolean("invert", false);
        w.WriteEndObject();
        w.WriteStartObject();
        WriteByteLevel(w);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter w)
    {
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", false);
        w.WriteBoolean("use_regex", false);
    }
}
