// Writes a complete Hugging Face-layout checkpoint for a preset: config.json, generation,
// preprocessor and tokenizer files, chat template, and random weights (BF16 or F32), sharded at
// 4 GiB like hub uploads. Values are uniform noise of std 0.02 (norm weights 1), seeded per tensor,
// so the same seed gives the same bytes. The model this makes talks nonsense; it exists for
// running and benchmarking at real dimensions without a download.
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using QwenVL.Checkpoints;
using QwenVL.Models.Common;
using QwenVL.Tensors;
using QwenVL.Tokenizer;

namespace QwenVL.Models.Synthetic;

/// <summary>Writes synthetic checkpoints.</summary>
public static class SyntheticCheckpoint
{
    private const long ShardBytes = 4L << 30;
    private const float Std = 0.02f;

    /// <summary>Writes <paramref name="preset"/> into <paramref name="folder"/> (created if needed).</summary>
    public static void Write(SyntheticPreset preset, string folder, int seed, DType dtype)
    {
        if (dtype is not (DType.BF16 or DType.F32))
        {
            throw new ArgumentException($"synthetic checkpoints are written as BF16 or F32, not {dtype}");
        }
        Directory.CreateDirectory(folder);
        string tokenizerPath = Path.Combine(folder, "tokenizer.json");
        using (Stream gz = typeof(SyntheticCheckpoint).Assembly.GetManifestResourceStream("qwen2-tokenizer.json.gz")
            ?? throw new InvalidOperationException("embedded tokenizer resource missing"))
        using (var unzip = new GZipStream(gz, CompressionMode.Decompress))
        using (FileStream file = File.Create(tokenizerPath))
        {
            unzip.CopyTo(file);
        }
        Qwen2Tokenizer tokenizer = Qwen2Tokenizer.Load(tokenizerPath);
        int Id(string text) => tokenizer.TokenToId(text) ?? throw new InvalidOperationException($"embedded tokenizer lacks {text}");

        var options = new JsonSerializerOptions { WriteIndented = true };
        void Json(string name, JsonNode node) => File.WriteAllText(Path.Combine(folder, name), node.ToJsonString(options));
        Json("config.json", SyntheticConfig.Build(preset, dtype, Id));
        Json("generation_config.json", new JsonObject
        {
            ["bos_token_id"] = Id("<|endoftext|>"),
            ["pad_token_id"] = Id("<|endoftext|>"),
            ["eos_token_id"] = new JsonArray(Id("<|im_end|>"), Id("<|endoftext|>")),
            ["do_sample"] = false,
        });
        Json("preprocessor_config.json", new JsonObject
        {
            ["min_pixels"] = 3136,
            ["max_pixels"] = 12845056,
            ["patch_size"] = 14,
            ["temporal_patch_size"] = 2,
            ["merge_size"] = 2,
            ["image_mean"] = new JsonArray(0.48145466, 0.4578275, 0.40821073),
            ["image_std"] = new JsonArray(0.26862954, 0.26130258, 0.27577711),
            ["image_processor_type"] = "Qwen2VLImageProcessor",
        });
        Json("tokenizer_config.json", new JsonObject
        {
            ["add_bos_token"] = false,
            ["eos_token"] = "<|im_end|>",
            ["pad_token"] = "<|endoftext|>",
            ["model_max_length"] = preset.MaxPositions,
            ["tokenizer_class"] = "Qwen2Tokenizer",
        });
        Json("chat_template.json", new JsonObject { ["chat_template"] = QwenChatTemplates.Qwen2VL });
        File.WriteAllText(Path.Combine(folder, "README.md"),
            $"# Synthetic {preset.Name}\n\nRandom weights (seed {seed}, {dtype}) at the dimensions of {preset.Name}, written by `qwenvl synth`.\n" +
            "It produces noise, not answers: use it to run and benchmark the engine without downloading a model.\n");

        SafeTensorDType stype = dtype == DType.BF16 ? SafeTensorDType.BF16 : SafeTensorDType.F32;
        var tensors = SyntheticManifest.For(preset)
            .Select(t => new TensorToWrite(t.Name, stype, t.Shape, stream => Fill(stream, t, seed, dtype)))
            .ToList();
        SafeTensorsWriter.WriteSharded(folder, tensors, ShardBytes);
    }

    private static void Fill(Stream stream, SyntheticTensor t, int seed, DType dtype)
    {
        long count = t.Shape.Aggregate(1L, (a, b) => a * b);
        const int Chunk = 1 << 16;
        var values = new float[Chunk];
        var bytes = new byte[Chunk * DTypeInfo.SizeOf(dtype)];
        // Per-tensor stream: FNV-1a of the name mixed with the seed, so tensors are independent of order.
        ulong state = 14695981039346656037UL ^ (ulong)(uint)seed;
        foreach (char c in t.Name)
        {
            state = (state ^ c) * 1099511628211UL;
        }
        float scale = Std * MathF.Sqrt(3f) * 2f; // uniform on [-a, a] with a = std·√3 has the given std
        for (long done = 0; done < count; done += Chunk)
        {
            int n = (int)Math.Min(Chunk, count - done);
            for (int i = 0; i < n; i++)
            {
                if (t.Fill == SyntheticFill.Ones)
                {
                    values[i] = 1f;
                    continue;
                }
                // xorshift64*: fast, deterministic, good enough for noise weights.
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                ulong r = state * 2685821657736338717UL;
                values[i] = ((r >> 40) * (1f / (1 << 24)) - 0.5f) * scale;
            }
            int byteCount = n * DTypeInfo.SizeOf(dtype);
            Numerics.FromFloat(values.AsSpan(0, n), dtype, bytes.AsSpan(0, byteCount));
            stream.Write(bytes, 0, byteCount);
        }
    }
}
