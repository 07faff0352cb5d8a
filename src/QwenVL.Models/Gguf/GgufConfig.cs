// GGUF metadata -> the Hugging Face-style config.json our loaders parse, plus preprocessor settings
// and generation defaults. Keys are what convert_hf_to_gguf.py writes: qwen2vl.* (both generations;
// the mmproj's projector type tells them apart) and clip.*. Widths the metadata misstates come from
// tensor shapes (a Qwen2-VL mmproj stores the merger width as feed_forward_length). It reads no tensors' data.
using System.Text.Json.Nodes;
using QwenVL.Checkpoints.Gguf;
using QwenVL.Imaging;
using QwenVL.Models.Common;
using QwenVL.Tokenizer;

namespace QwenVL.Models.Gguf;

/// <summary>Configs derived from a GGUF text + mmproj pair.</summary>
public static class GgufConfig
{
    /// <summary>clip.projector_type of a Qwen2-VL mmproj.</summary>
    public const string Qwen2VLProjector = "qwen2vl_merger";

    /// <summary>clip.projector_type of a Qwen2.5-VL mmproj.</summary>
    public const string Qwen25VLProjector = "qwen2.5vl_merger";

    /// <summary>general.architecture of both generations' text GGUF.</summary>
    public const string TextArchitecture = "qwen2vl";

    /// <summary>True for a Qwen2.5-VL projector, false for Qwen2-VL; <see cref="ModelException"/> for anything else.</summary>
    public static bool IsQwen25(GgufFile mmproj)
    {
        string arch = mmproj.Architecture ?? "";
        if (arch != "clip")
        {
            throw new ModelException($"{mmproj.Path}: general.architecture is '{arch}'; a vision projector GGUF has 'clip'", mmproj.Path, "general.architecture");
        }
        string type = mmproj.Metadata.RequireString("clip.projector_type");
        return type switch
        {
            Qwen25VLProjector => true,
            Qwen2VLProjector => false,
            _ => throw new ModelException($"{mmproj.Path}: clip.projector_type is '{type}'; supported: {Qwen2VLProjector} (Qwen2-VL), {Qwen25VLProjector} (Qwen2.5-VL)",
                mmproj.Path, "clip.projector_type"),
        };
    }

    /// <summary>An HF-style config.json (model_type, text keys, rope_scaling, vision_config) read as <see cref="ConfigReader"/> of the text GGUF.</summary>
    public static ConfigReader ModelConfig(GgufFile text, GgufFile mmproj)
    {
        GgufMetadata t = text.Metadata;
        string arch = text.Architecture ?? "";
        if (arch != TextArchitecture)
        {
            throw new ModelException($"{text.Path}: general.architecture is '{arch}'; a Qwen2-VL / Qwen2.5-VL text GGUF has '{TextArchitecture}'",
                text.Path, "general.architecture");
        }
        bool qwen25 = IsQwen25(mmproj);
        string p = arch + ".";
        long hidden = t.RequireInteger(p + "embedding_length", 1, int.MaxValue);
        long heads = t.RequireInteger(p + "attention.head_count", 1, int.MaxValue);
        long[] sections = t.IntegerArray(p + "rope.dimension_sections") ?? throw t.Error(p + "rope.dimension_sections", "is required for M-RoPE but absent");
        if (sections.Length < 3 || sections.Skip(3).Any(s => s != 0))
        {
            throw t.Error(p + "rope.dimension_sections", $"is [{string.Join(", ", sections)}]; Qwen2-VL M-RoPE uses three sections (t, h, w) and a zero fourth");
        }
        var config = new JsonObject
        {
            ["model_type"] = qwen25 ? "qwen2_5_vl" : "qwen2_vl",
            ["hidden_size"] = hidden,
            ["intermediate_size"] = t.RequireInteger(p + "feed_forward_length", 1, int.MaxValue),
            ["num_hidden_layers"] = t.RequireInteger(p + "block_count", 1, int.MaxValue),
            ["num_attention_heads"] = heads,
            ["num_key_value_heads"] = t.Integer(p + "attention.head_count_kv") ?? heads,
            ["rms_norm_eps"] = t.RequireNumber(p + "attention.layer_norm_rms_epsilon"),
            ["rope_theta"] = t.Number(p + "rope.freq_base") ?? 10000.0, // llama.cpp's default when the key is absent
            ["max_position_embeddings"] = t.Integer(p + "context_length") ?? 32768,
            ["vocab_size"] = text.GetInfo("token_embd.weight").Shape[0],
            ["tie_word_embeddings"] = !text.Contains("output.weight"),
            ["rope_scaling"] = new JsonObject { ["type"] = "mrope", ["mrope_section"] = new JsonArray([.. sections.Take(3).Select(s => (JsonNode)s)]) },
            ["vision_config"] = VisionConfig(mmproj, qwen25, hidden),
        };
        if (t.Integer(p + "attention.key_length") is long headDim)
        {
            config["head_dim"] = headDim;
        }
        foreach ((string key, string hf) in new[] { ("bos_token_id", "bos_token_id"), ("eos_token_id", "eos_token_id") })
        {
            if (t.Integer("tokenizer.ggml." + key) is long id)
            {
                config[hf] = id;
            }
        }
        // Re-parse the text so every value is a JSON element, exactly like a config.json read from disk.
        return new ConfigReader((JsonObject)JsonNode.Parse(config.ToJsonString())!, text.Path);
    }

    /// <summary>Image preprocessing: patch and merge sizes and mean/std from clip.*, pixel limits of the hub checkpoints.</summary>
    public static ImagePreprocessorConfig Preprocessor(GgufFile mmproj)
    {
        GgufMetadata m = mmproj.Metadata;
        float[] Triple(string key, IReadOnlyList<float> fallback)
        {
            double[]? v = m.NumberArray(key);
            return v is null ? [.. fallback] : v.Length == 3 ? [.. v.Select(x => (float)x)] : throw m.Error(key, $"has {v.Length} values, expected 3 (R, G, B)");
        }
        ImagePreprocessorConfig d = ImagePreprocessorConfig.Default;
        // GGUF stores no min/max pixels: the hub preprocessor_config.json values (3136 .. 12845056) apply.
        return d with
        {
            PatchSize = (int)m.RequireInteger("clip.vision.patch_size", 1, 1024),
            MergeSize = (int)(m.Integer("clip.vision.spatial_merge_size") ?? 2),
            Mean = Triple("clip.vision.image_mean", ImagePreprocessorConfig.ClipMean),
            Std = Triple("clip.vision.image_std", ImagePreprocessorConfig.ClipStd),
        };
    }

    /// <summary>
    /// Stop ids and sampling defaults: eos (and eot/eom) ids, plus "&lt;|im_end|&gt;" and "&lt;|endoftext|&gt;"
    /// which llama.cpp also treats as end of generation (the hub generation_config lists both);
    /// general.sampling.* when the file has them (then sampling is on), greedy otherwise.
    /// </summary>
    public static GenerationDefaults Generation(GgufFile text, Qwen2Tokenizer tokenizer)
    {
        GgufMetadata t = text.Metadata;
        var eos = new List<int>();
        foreach (string key in new[] { "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id" })
        {
            if (t.Integer(key) is long id && !eos.Contains((int)id))
            {
                eos.Add((int)id);
            }
        }
        foreach (string stop in new[] { "<|im_end|>", "<|endoftext|>" })
        {
            if (tokenizer.TokenToId(stop) is int id && tokenizer.IsSpecial(id) && !eos.Contains(id))
            {
                eos.Add(id);
            }
        }
        double? temp = t.Number("general.sampling.temp");
        GenerationDefaults d = GenerationDefaults.Default;
        return d with
        {
            DoSample = temp is > 0,
            Temperature = (float)(temp ?? d.Temperature),
            TopP = (float)(t.Number("general.sampling.top_p") ?? d.TopP),
            TopK = (int)(t.Integer("general.sampling.top_k") ?? d.TopK),
            RepetitionPenalty = (float)(t.Number("general.sampling.penalty_repeat") ?? d.RepetitionPenalty),
            EosTokenIds = [.. eos],
        };
    }

    /// <summary>
    /// True when block <paramref name="block"/> carries the legacy qwen2_vl_surgery.py naming, where fc1 was
    /// written as ffn_down and fc2 as ffn_up: llama.cpp's clip.cpp detects it by ffn_down's input width
    /// (ne[0]) being the embedding width and swaps the two back; so do we.
    /// </summary>
    public static bool FfnSwapped(GgufFile mmproj, int block)
    {
        string down = $"v.blk.{block}.ffn_down.weight", up = $"v.blk.{block}.ffn_up.weight";
        return mmproj.Contains(down) && mmproj.Contains(up)
            && mmproj.GetInfo(down).Ne[0] == mmproj.Metadata.Integer("clip.vision.embedding_length");
    }

    private static JsonObject VisionConfig(GgufFile mmproj, bool qwen25, long lmHidden)
    {
        GgufMetadata m = mmproj.Metadata;
        if (m.Bool("clip.has_vision_encoder") == false)
        {
            throw m.Error("clip.has_vision_encoder", "is false; Qwen-VL needs the vision encoder");
        }
        long depth = m.RequireInteger("clip.vision.block_count", 1, int.MaxValue);
        long width = m.RequireInteger("clip.vision.embedding_length", 1, int.MaxValue);
        long outDim = m.RequireInteger("clip.vision.projection_dim", 1, int.MaxValue);
        if (outDim != lmHidden)
        {
            throw m.Error("clip.vision.projection_dim", $"({outDim}) must equal the text model's embedding_length ({lmHidden}): is this the projector of another model?");
        }
        long mlp = mmproj.GetInfo(FfnSwapped(mmproj, 0) ? "v.blk.0.ffn_down.weight" : "v.blk.0.ffn_up.weight").Shape[0];
        long inChans = mmproj.GetInfo(GgufNames.PatchEmbed0).Shape[1];
        var v = new JsonObject
        {
            ["depth"] = depth,
            ["num_heads"] = m.RequireInteger("clip.vision.attention.head_count", 1, int.MaxValue),
            ["patch_size"] = m.RequireInteger("clip.vision.patch_size", 1, 1024),
            ["temporal_patch_size"] = 2, // the converter splits exactly two temporal slices (v.patch_embd.weight, .weight.1)
            ["spatial_merge_size"] = m.Integer("clip.vision.spatial_merge_size") ?? 2,
            ["in_chans"] = inChans,
        };
        if (qwen25)
        {
            // llama.cpp: block il attends fully when (il + 1) % n_wa_pattern == 0 (released: 8 -> [7, 15, 23, 31]).
            // Files from the older qwen2_vl_surgery.py script list the blocks instead.
            long[]? listed = m.Has("clip.vision.n_wa_pattern") ? null : m.IntegerArray("clip.vision.fullatt_block_indexes");
            long pattern = listed is null ? m.RequireInteger("clip.vision.n_wa_pattern", 1, depth) : 0;
            v["hidden_size"] = width;
            v["intermediate_size"] = mlp;
            v["out_hidden_size"] = outDim;
            v["window_size"] = m.Integer("clip.vision.window_size") ?? 112;
            v["fullatt_block_indexes"] = new JsonArray([.. (listed ?? [.. Enumerable.Range(1, (int)(depth / pattern)).Select(k => k * pattern - 1)])
                .Select(b => (JsonNode)b)]);
        }
        else
        {
            // Qwen2-VL: embed_dim is the ViT width, hidden_size the merger output, mlp_ratio the MLP width over embed_dim.
            if ((int)(width * ((double)mlp / width)) != mlp)
            {
                throw new ModelException($"{mmproj.Path}: MLP width {mlp} is not width·mlp_ratio for the ViT width {width}", mmproj.Path, "v.blk.0.ffn_up.weight");
            }
            v["embed_dim"] = width;
            v["hidden_size"] = outDim;
            v["mlp_ratio"] = (double)mlp / width;
        }
        return v;
    }
}
