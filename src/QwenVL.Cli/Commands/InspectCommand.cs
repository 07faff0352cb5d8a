// `qwenvl inspect`: what a checkpoint folder holds, read from its files: architecture and
// dimensions, parameter counts (vision / text), bytes per storage dtype, context length, special
// token ids, preprocessing limits and sampling defaults. Loads by memory-mapping; computes nothing.
using System.CommandLine;
using System.Text.Json;
using QwenVL.Models;

namespace QwenVL.Cli.Commands;

/// <summary>The inspect command.</summary>
public static class InspectCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<string> model = CommonOptions.Model();
        Option<bool> json = CommonOptions.Json("print one JSON object");
        var command = new Command("inspect", "print a checkpoint's architecture, sizes, parameter counts and dtypes") { model, json };
        command.SetAction((p, _) => CliErrors.Guard(() =>
        {
            using VisionLanguageModel m = ModelRegistry.Load(p.GetValue(model)!, new ModelLoadOptions { Threads = 1 });
            ModelInfo i = m.Info;
            var pre = m.Preprocessor;
            var gen = m.Generation;
            if (p.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["folder"] = i.Folder,
                    ["model_type"] = i.ModelType,
                    ["family"] = i.Family,
                    ["architecture"] = i.Architecture,
                    ["dimensions"] = i.Dimensions.ToDictionary(d => d.Key, d => d.Value),
                    ["parameters"] = new { vision = i.VisionParameters, text = i.TextParameters, total = i.TotalParameters },
                    ["bytes_by_dtype"] = i.BytesByDType,
                    ["context_length"] = i.ContextLength,
                    ["vocab_size"] = m.Tokenizer.VocabSize,
                    ["special_tokens"] = m.Tokens,
                    ["preprocessing"] = new { patch_size = pre.PatchSize, merge_size = pre.MergeSize, min_pixels = pre.MinPixels, max_pixels = pre.MaxPixels },
                    ["generation"] = gen,
                }, CliJson.Options));
                return Task.FromResult(0);
            }
            var o = Console.Out;
            o.WriteLine($"architecture   {i.Architecture} (model_type {i.ModelType})");
            o.WriteLine($"folder         {i.Folder}");
            foreach (var d in i.Dimensions)
            {
                o.WriteLine($"{d.Key,-14} {d.Value}");
            }
            o.WriteLine($"parameters     {Count(i.TotalParameters)} total = {Count(i.VisionParameters)} vision + {Count(i.TextParameters)} text");
            o.WriteLine($"storage        {string.Join(", ", i.BytesByDType.Select(kv => $"{kv.Key} {kv.Value / (1024.0 * 1024):F1} MiB"))}");
            o.WriteLine($"context        {i.ContextLength} tokens");
            o.WriteLine($"tokenizer      {m.Tokenizer.VocabSize} ids; image_pad {m.Tokens.ImagePad}, vision_start {m.Tokens.VisionStart}, vision_end {m.Tokens.VisionEnd}, stop [{string.Join(", ", m.StopTokenIds)}]");
            o.WriteLine($"images         patch {pre.PatchSize}, merge {pre.MergeSize}, {pre.MinPixels}..{pre.MaxPixels} pixels ({pre.MinPixels / (pre.Factor * pre.Factor)}..{pre.MaxPixels / (pre.Factor * pre.Factor)} tokens)");
            o.WriteLine($"sampling       {(gen.DoSample ? $"temperature {gen.Temperature}, top_p {gen.TopP}, top_k {gen.TopK}" : "greedy")}, repetition_penalty {gen.RepetitionPenalty}");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static string Count(long n) => n >= 1_000_000_000 ? $"{n / 1e9:F2}B" : n >= 1_000_000 ? $"{n / 1e6:F2}M" : n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
