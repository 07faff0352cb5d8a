// The metadata convert_hf_to_gguf.py writes for Qwen2-VL / Qwen2.5-VL: qwen2vl.* hyper-parameters, the
// "gpt2" tokenizer padded to vocab_size (BPE vocab NORMAL; added tokens CONTROL when special or
// "<|...|>", else USER_DEFINED; holes "[PADn]" UNUSED; merges "a b"; SpecialVocab's bos/eos/pad ids)
// and the clip.* keys, including its quirk that a Qwen2-VL feed_forward_length is the merger width.
using System.Text.Json.Nodes;
using QwenVL.Checkpoints;
using QwenVL.Checkpoints.Gguf;
using QwenVL.Models.Common;
using QwenVL.Models.Text;

namespace QwenVL.Models.Gguf;

internal sealed class GgufConverterMetadata
{
    private const int Normal = 1, Control = 3, UserDefined = 4, Unused = 5;
    private readonly List<KeyValuePair<string, GgufValue>> _text = [];
    private readonly List<KeyValuePair<string, GgufValue>> _mmproj = [];

    private GgufConverterMetadata(bool qwen25) => Qwen25 = qwen25;

    public bool Qwen25 { get; }

    public static GgufConverterMetadata Read(string folder, string name, GgufFileType type)
    {
        ConfigReader config = ModelAssets.LoadConfig(folder);
        string modelType = config.String("model_type") ?? throw config.Error("model_type", "is required");
        var m = new GgufConverterMetadata(modelType switch
        {
            "qwen2_5_vl" => true,
            "qwen2_vl" => false,
            _ => throw config.Error("model_type", $"is '{modelType}'; the GGUF converter handles qwen2_vl and qwen2_5_vl"),
        });
        Qwen2TextConfig t = Qwen2TextConfig.Parse(config);
        string a = GgufConfig.TextArchitecture + ".";
        m.Text("general.architecture", GgufConfig.TextArchitecture);
        m.Text("general.type", "model");
        m.Text("general.name", name);
        m.Text(a + "block_count", (uint)t.NumLayers);
        m.Text(a + "context_length", (uint)t.MaxPositionEmbeddings);
        m.Text(a + "embedding_length", (uint)t.HiddenSize);
        m.Text(a + "feed_forward_length", (uint)t.IntermediateSize);
        m.Text(a + "attention.head_count", (uint)t.NumHeads);
        m.Text(a + "attention.head_count_kv", (uint)t.NumKvHeads);
        int[] sections = [.. t.MRopeSection, .. new int[Math.Max(0, 4 - t.MRopeSection.Length)]]; // padded to 4 axes
        m.Text(a + "rope.dimension_sections", GgufValue.Of(sections));
        m.Text(a + "rope.freq_base", (float)t.RopeTheta);
        m.Text(a + "attention.layer_norm_rms_epsilon", t.RmsNormEps);
        m.Text("general.file_type", (uint)type);
        m.Text("general.quantization_version", 2u);
        m.AddVocab(folder, t.VocabSize);
        m.AddMmproj(folder, config, t.HiddenSize, name, type);
        return m;
    }

    public void WriteText(GgufWriter w) => _text.ForEach(kv => w.Add(kv.Key, kv.Value));

    public void WriteMmproj(GgufWriter w) => _mmproj.ForEach(kv => w.Add(kv.Key, kv.Value));

    private void AddMmproj(string folder, ConfigReader config, int textHidden, string name, GgufFileType type)
    {
        ConfigReader v = config.Object("vision_config") ?? throw config.Error("vision_config", "is required");
        JsonObject pre = File.Exists(Path.Combine(folder, "preprocessor_config.json"))
            ? CheckpointJson.ReadJsonObject(Path.Combine(folder, "preprocessor_config.json")) : [];
        float[] Triple(string key, IReadOnlyList<float> fallback) =>
            pre[key] is JsonArray arr ? [.. arr.Select(x => (float)x!.GetValue<double>())] : [.. fallback];
        Mm("general.architecture", "clip");
        Mm("general.type", "mmproj");
        Mm("general.name", name);
        Mm("general.file_type", (uint)type);
        Mm("clip.has_vision_encoder", true);
        Mm("clip.vision.projection_dim", (uint)textHidden);
        Mm("clip.vision.image_size", (uint)v.Int("image_size", 560));
        Mm("clip.vision.patch_size", (uint)v.Int("patch_size"));
        // Qwen2-VL: the converter renames embed_dim -> hidden_size and hidden_size -> intermediate_size.
        Mm("clip.vision.embedding_length", (uint)(Qwen25 ? v.Int("hidden_size") : v.Int("embed_dim")));
        Mm("clip.vision.feed_forward_length", (uint)(Qwen25 ? v.Int("intermediate_size") : v.Int("hidden_size")));
        Mm("clip.vision.block_count", (uint)v.Int("depth"));
        Mm("clip.vision.attention.head_count", (uint)v.Int("num_heads"));
        Mm("clip.vision.image_mean", GgufValue.Of(Triple("image_mean", Imaging.ImagePreprocessorConfig.ClipMean)));
        Mm("clip.vision.image_std", GgufValue.Of(Triple("image_std", Imaging.ImagePreprocessorConfig.ClipStd)));
        Mm("clip.projector_type", Qwen25 ? GgufConfig.Qwen25VLProjector : GgufConfig.Qwen2VLProjector);
        if (Qwen25)
        {
            Mm("clip.use_silu", true);
            int[] full = v.IntArray("fullatt_block_indexes") ?? throw v.Error("fullatt_block_indexes", "is required for qwen2_5_vl");
            int pattern = full[0] + 1;
            if (full.Zip(full.Skip(1)).Any(p => p.Second - p.First != pattern))
            {
                throw v.Error("fullatt_block_indexes", $"[{string.Join(", ", full)}] is not a regular pattern; GGUF stores only n_wa_pattern");
            }
            Mm("clip.vision.n_wa_pattern", (uint)pattern);
        }
        Mm("clip.vision.attention.layer_norm_epsilon", (float)config.Double("rms_norm_eps", 1e-6));
        Mm("general.quantization_version", 2u);
    }

    private void AddVocab(string folder, int vocabSize)
    {
        string tokenizerPath = Path.Combine(folder, "tokenizer.json");
        JsonObject tok = CheckpointJson.ReadJsonObject(tokenizerPath);
        JsonObject model = tok["model"] as JsonObject ?? throw new ModelException($"{tokenizerPath}: no model object", tokenizerPath, "model");
        var tokens = new string?[vocabSize];
        var types = new int[vocabSize];
        foreach ((string token, JsonNode? id) in (JsonObject)model["vocab"]!)
        {
            Put(id!.GetValue<int>(), token, Normal);
        }
        foreach (JsonNode? added in tok["added_tokens"] as JsonArray ?? [])
        {
            string content = added!["content"]!.GetValue<string>();
            bool special = added["special"]?.GetValue<bool>() == true || (content.StartsWith("<|", StringComparison.Ordinal) && content.EndsWith("|>", StringComparison.Ordinal));
            Put(added["id"]!.GetValue<int>(), content, special ? Control : UserDefined);
        }
        for (int i = 0; i < vocabSize; i++)
        {
            if (tokens[i] is null)
            {
                tokens[i] = $"[PAD{i}]";
                types[i] = Unused;
            }
        }
        Text("tokenizer.ggml.model", "gpt2");
        Text("tokenizer.ggml.pre", "qwen2");
        Text("tokenizer.ggml.tokens", GgufValue.Of(tokens!));
        Text("tokenizer.ggml.token_type", GgufValue.Of(types));
        // Pairs (transformers >= 4.45) become "a b"; a space inside a part is written as U+0120, as gguf-py does.
        string[] merges = [.. ((JsonArray)model["merges"]!).Select(n => n is JsonArray pair
            ? string.Join(' ', pair.Select(p => p!.GetValue<string>().Replace(' ', '\u0120')))
            : n!.GetValue<string>())];
        Text("tokenizer.ggml.merges", GgufValue.Of(merges));
        AddSpecialTokens(folder, tok, vocabSize);

        void Put(int id, string token, int type)
        {
            if (id < vocabSize)
            {
                tokens[id] = token;
                types[id] = type;
            }
        }
    }

    // SpecialVocab: ids from tokenizer_config.json's *_token texts first, then config.json's *_token_id.
    private void AddSpecialTokens(string folder, JsonObject tokenizer, int vocabSize)
    {
        string tcPath = Path.Combine(folder, "tokenizer_config.json");
        JsonObject tc = File.Exists(tcPath) ? CheckpointJson.ReadJsonObject(tcPath) : [];
        JsonObject config = CheckpointJson.ReadJsonObject(Path.Combine(folder, "config.json"));
        var added = (tokenizer["added_tokens"] as JsonArray ?? []).ToDictionary(a => a!["content"]!.GetValue<string>(), a => a!["id"]!.GetValue<int>());
        foreach (string kind in new[] { "bos", "eos", "pad" })
        {
            JsonNode? entry = tc[kind + "_token"];
            string? content = entry is JsonObject o ? o["content"]?.GetValue<string>() : entry?.GetValueKind() == System.Text.Json.JsonValueKind.String ? entry.GetValue<string>() : null;
            int? id = content is not null && added.TryGetValue(content, out int a) ? a : null;
            id ??= config[kind + "_token_id"]?.GetValueKind() == System.Text.Json.JsonValueKind.Number ? config[kind + "_token_id"]!.GetValue<int>() : null;
            if (id is int i && i < vocabSize)
            {
                Text($"tokenizer.ggml.{(kind == "pad" ? "padding" : kind)}_token_id", (uint)i);
            }
        }
        if (tc["add_bos_token"]?.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False)
        {
            Text("tokenizer.ggml.add_bos_token", tc["add_bos_token"]!.GetValue<bool>());
        }
        string? template = tc["chat_template"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? tc["chat_template"]!.GetValue<string>() : null;
        string jinja = Path.Combine(folder, "chat_template.jinja"), json = Path.Combine(folder, "chat_template.json");
        template ??= File.Exists(jinja) ? File.ReadAllText(jinja)
            : File.Exists(json) ? CheckpointJson.ReadJsonObject(json)["chat_template"]?.GetValue<string>() : null;
        if (template is not null)
        {
            Text("tokenizer.chat_template", template);
        }
    }

    private void Text(string key, object value) => _text.Add(new(key, Value(value)));

    private void Mm(string key, object value) => _mmproj.Add(new(key, Value(value)));

    private static GgufValue Value(object value) => value switch
    {
        GgufValue v => v,
        string s => GgufValue.Of(s),
        uint u => GgufValue.Of(u),
        float f => GgufValue.Of(f),
        bool b => GgufValue.Of(b),
        _ => throw new ArgumentException($"no GGUF type for {value.GetType().Name}"),
    };
}
