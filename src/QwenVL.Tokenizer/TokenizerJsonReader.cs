// Reads a Hugging Face tokenizer.json into the parts Qwen2Tokenizer needs, validating that the file
// describes a byte-level BPE with an optional NFC normalizer. Unsupported features are rejected with
// the JSON path of the offending value rather than silently giving different ids.
using System.Text.Json;
using System.Text.RegularExpressions;

namespace QwenVL.Tokenizer;

/// <summary>What tokenizer.json describes, in the form the tokenizer runs on.</summary>
internal sealed record TokenizerDefinition(
    Dictionary<string, int> Vocab,
    Dictionary<long, MergeTarget> Merges,
    bool IgnoreMerges,
    List<AddedTokenSpec> AddedTokens,
    bool Nfc,
    IPreTokenizer PreTokenizer);

internal sealed class TokenizerJsonReader
{
    // GPT-2's split, used when a ByteLevel pre-tokenizer has use_regex=true.
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private readonly string _file;
    private IPreTokenizer? _split;
    private bool _byteLevel;

    private TokenizerJsonReader(string file) => _file = file;

    public static TokenizerDefinition Read(JsonDocument document, string file) => new TokenizerJsonReader(file).Read(document.RootElement);

    private TokenizerDefinition Read(JsonElement root)
    {
        Expect(root, JsonValueKind.Object, "$");
        JsonElement model = Required(root, "model", "$");
        Expect(model, JsonValueKind.Object, "$.model");
        CheckModelOptions(model);
        Dictionary<string, int> vocab = ReadVocab(Required(model, "vocab", "$.model"));
        Dictionary<long, MergeTarget> merges = ReadMerges(Required(model, "merges", "$.model"), vocab);
        bool ignoreMerges = model.TryGetProperty("ignore_merges", out JsonElement im) && im.ValueKind == JsonValueKind.True;
        List<AddedTokenSpec> added = root.TryGetProperty("added_tokens", out JsonElement at) && at.ValueKind != JsonValueKind.Null
            ? ReadAddedTokens(at) : [];
        bool nfc = root.TryGetProperty("normalizer", out JsonElement norm) && ReadNormalizer(norm, "$.normalizer");
        if (root.TryGetProperty("pre_tokenizer", out JsonElement pre) && pre.ValueKind != JsonValueKind.Null)
        {
            ReadPreTokenizer(pre, "$.pre_tokenizer");
        }
        if (!_byteLevel)
        {
            throw Error("pre_tokenizer has no ByteLevel step; only byte-level BPE tokenizers are supported", "$.pre_tokenizer");
        }
        CheckDecoder(root);
        return new TokenizerDefinition(vocab, merges, ignoreMerges, added, nfc, _split ?? WholeTextPreTokenizer.Instance);
    }

    private void CheckModelOptions(JsonElement model)
    {
        if (model.TryGetProperty("type", out JsonElement type) && type.GetString() != "BPE")
        {
            throw Error($"model type '{type}' is not supported (expected BPE)", "$.model.type");
        }
        if (model.TryGetProperty("dropout", out JsonElement dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
        {
            throw Error("BPE dropout is not supported (inference needs deterministic ids)", "$.model.dropout");
        }
        foreach (string affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (model.TryGetProperty(affix, out JsonElement v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0)
            {
                throw Error($"non-empty {affix} is not supported", "$.model." + affix);
            }
        }
        if (model.TryGetProperty("byte_fallback", out JsonElement bf) && bf.ValueKind == JsonValueKind.True)
        {
            throw Error("byte_fallback is not supported (byte-level BPE never needs it)", "$.model.byte_fallback");
        }
    }

    private Dictionary<string, int> ReadVocab(JsonElement vocabElement)
    {
        Expect(vocabElement, JsonValueKind.Object, "$.model.vocab");
        var vocab = new Dictionary<string, int>(160_000, StringComparer.Ordinal);
        foreach (JsonProperty entry in vocabElement.EnumerateObject())
        {
            if (!entry.Value.TryGetInt32(out int id) || id < 0)
            {
                throw Error($"id of token '{entry.Name}' must be a non-negative integer, got {entry.Value.GetRawText()}",
                    $"$.model.vocab[{JsonSerializer.Serialize(entry.Name)}]");
            }
            vocab[entry.Name] = id;
        }
        return vocab;
    }

    private Dictionary<long, MergeTarget> ReadMerges(JsonElement mergesElement, Dictionary<string, int> vocab)
    {
        Expect(mergesElement, JsonValueKind.Array, "$.model.merges");
        var merges = new Dictionary<long, MergeTarget>(mergesElement.GetArrayLength());
        int rank = 0;
        foreach (JsonElement entry in mergesElement.EnumerateArray())
        {
            (string left, string right) = ParseMerge(entry, rank);
            int leftId = VocabId(vocab, left, rank);
            int rightId = VocabId(vocab, right, rank);
            int mergedId = VocabId(vocab, left + right, rank);
            merges[BpeModel.PairKey(leftId, rightId)] = new MergeTarget(rank, mergedId); // a repeated pair keeps its last rank, as HF
            rank++;
        }
        return merges;
    }

    private (string Left, string Right) ParseMerge(JsonElement entry, int rank)
    {
        if (entry.ValueKind == JsonValueKind.String)
        {
            // Legacy form "a b": byte-level tokens never contain a real space (it is 'Ġ'), so one space separates.
            string[] parts = entry.GetString()!.Split(' ');
            if (parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0)
            {
                return (parts[0], parts[1]);
            }
        }
        else if (entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() == 2
                 && entry[0].ValueKind == JsonValueKind.String && entry[1].ValueKind == JsonValueKind.String)
        {
            return (entry[0].GetString()!, entry[1].GetString()!);
        }
        throw Error($"merge must be \"a b\" or [\"a\", \"b\"], got {entry.GetRawText()}", MergePath(rank));
    }

    private int VocabId(Dictionary<string, int> vocab, string token, int rank) =>
        vocab.TryGetValue(token, out int id) ? id : throw Error($"merge token '{token}' is not in model.vocab", MergePath(rank));

    private static string MergePath(int rank) => $"$.model.merges[{rank}]";

    private List<AddedTokenSpec> ReadAddedTokens(JsonElement array)
    {
        Expect(array, JsonValueKind.Array, "$.added_tokens");
        var specs = new List<AddedTokenSpec>();
        int index = 0;
        foreach (JsonElement e in array.EnumerateArray())
        {
            string path = $"$.added_tokens[{index++}]";
            Expect(e, JsonValueKind.Object, path);
            JsonElement idElement = Required(e, "id", path);
            if (!idElement.TryGetInt32(out int id) || id < 0)
            {
                throw Error($"id must be a non-negative integer, got {idElement.GetRawText()}", path + ".id");
            }
            JsonElement content = Required(e, "content", path);
            Expect(content, JsonValueKind.String, path + ".content");
            bool special = Flag(e, "special", false, path);
            // HF's default: special tokens match the raw text, others the normalized text.
            specs.Add(new AddedTokenSpec(new AddedToken(id, content.GetString()!, special),
                Flag(e, "single_word", false, path), Flag(e, "lstrip", false, path), Flag(e, "rstrip", false, path),
                Flag(e, "normalized", !special, path)));
        }
        return specs;
    }

    private bool Flag(JsonElement e, string name, bool fallback, string path) =>
        !e.TryGetProperty(name, out JsonElement v) ? fallback : v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => fallback,
            _ => throw Error($"'{name}' must be true or false, got {v.GetRawText()}", $"{path}.{name}"),
        };

    /// <summary>True for NFC, false for none; anything else is unsupported.</summary>
    private bool ReadNormalizer(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            return false;
        }
        string? type = e.TryGetProperty("type", out JsonElement t) ? t.GetString() : null;
        if (type == "NFC")
        {
            return true;
        }
        if (type == "Sequence" && e.TryGetProperty("normalizers", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
        {
            bool any = false;
            int i = 0;
            foreach (JsonElement item in list.EnumerateArray())
            {
                any |= ReadNormalizer(item, $"{path}.normalizers[{i++}]");
            }
            return any;
        }
        throw Error($"normalizer '{type}' is not supported (only NFC)", path);
    }

    private void ReadPreTokenizer(JsonElement e, string path)
    {
        string? type = e.TryGetProperty("type", out JsonElement t) ? t.GetString() : null;
        switch (type)
        {
            case "Sequence":
                int i = 0;
                JsonElement items = Required(e, "pretokenizers", path);
                Expect(items, JsonValueKind.Array, path + ".pretokenizers");
                foreach (JsonElement item in items.EnumerateArray())
                {
                    ReadPreTokenizer(item, $"{path}.pretokenizers[{i++}]");
                }
                break;
            case "Split":
                JsonElement pattern = Required(e, "pattern", path);
                string regex = pattern.TryGetProperty("Regex", out JsonElement r) ? r.GetString()!
                    : pattern.TryGetProperty("String", out JsonElement s) ? Regex.Escape(s.GetString()!)
                    : throw Error("pattern needs a Regex or String", path + ".pattern");
                if (e.TryGetProperty("behavior", out JsonElement b) && b.GetString() != "Isolated")
                {
                    throw Error($"split behavior '{b.GetString()}' is not supported (only Isolated)", path + ".behavior");
                }
                if (e.TryGetProperty("invert", out JsonElement inv) && inv.ValueKind == JsonValueKind.True)
                {
                    throw Error("inverted split is not supported", path + ".invert");
                }
                SetSplit(regex == Qwen2PreTokenizer.Pattern ? Qwen2PreTokenizer.Instance : new RegexPreTokenizer(regex), path);
                break;
            case "ByteLevel":
                if (e.TryGetProperty("add_prefix_space", out JsonElement aps) && aps.ValueKind == JsonValueKind.True)
                {
                    throw Error("add_prefix_space=true is not supported", path + ".add_prefix_space");
                }
                if (e.TryGetProperty("use_regex", out JsonElement ur) && ur.ValueKind == JsonValueKind.True)
                {
                    SetSplit(new RegexPreTokenizer(Gpt2Pattern), path);
                }
                _byteLevel = true;
                break;
            default:
                throw Error($"pre_tokenizer '{type}' is not supported", path);
        }
    }

    private void SetSplit(IPreTokenizer split, string path)
    {
        if (_byteLevel || _split != null)
        {
            throw Error("only one regex split before the ByteLevel step is supported", path);
        }
        _split = split;
    }

    private void CheckDecoder(JsonElement root)
    {
        if (!root.TryGetProperty("decoder", out JsonElement d) || d.ValueKind == JsonValueKind.Null
            || !d.TryGetProperty("type", out JsonElement t) || t.GetString() != "ByteLevel")
        {
            throw Error("decoder must be ByteLevel", "$.decoder");
        }
    }

    private JsonElement Required(JsonElement parent, string name, string parentPath) =>
        parent.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null
            ? v
            : throw Error($"missing '{name}'", $"{parentPath}.{name}");

    private void Expect(JsonElement e, JsonValueKind kind, string path)
    {
        if (e.ValueKind != kind)
        {
            throw Error($"expected {kind.ToString().ToLowerInvariant()}, got {e.ValueKind.ToString().ToLowerInvariant()}", path);
        }
    }

    private TokenizerException Error(string message, string path) => new(message, _file, path);
}
