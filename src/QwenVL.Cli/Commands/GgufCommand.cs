// `qwenvl gguf`: convert a Hugging Face Qwen2-VL / Qwen2.5-VL checkpoint folder into the llama.cpp GGUF
// pair (text model + mmproj) with QwenVL.Models' GgufConverter, so one file runs in both engines (the
// README's side-by-side measurement). K-quants are not produced here: llama-quantize makes them.
using System.CommandLine;
using System.Diagnostics;
using QwenVL.Models.Gguf;

namespace QwenVL.Cli.Commands;

/// <summary>The gguf command.</summary>
public static class GgufCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<string> model = CommonOptions.Model();
        var output = new Option<string>("--out", "-o") { Description = "folder to write the .gguf pair to", Required = true };
        var type = new Option<string>("--type") { Description = "bf16 (default), f16, f32 or q8_0", DefaultValueFactory = _ => "bf16" };
        var name = new Option<string?>("--name") { Description = "file name stem (default: the model folder's name)" };
        var command = new Command("gguf", "convert a checkpoint folder to a llama.cpp GGUF pair (text + mmproj)")
        {
            model, output, type, name,
        };
        command.SetAction((p, _) => CliErrors.Guard(() =>
        {
            GgufFileType fileType = p.GetValue(type)!.ToLowerInvariant() switch
            {
                "bf16" => GgufFileType.BF16,
                "f16" => GgufFileType.F16,
                "f32" => GgufFileType.F32,
                "q8_0" or "q8" => GgufFileType.Q8_0,
                string other => throw new CliUsageException($"--type must be bf16, f16, f32 or q8_0, not '{other}'"),
            };
            string source = p.GetValue(model)!;
            if (!Directory.Exists(source))
            {
                throw new QwenVL.Models.ModelException($"model folder {source} does not exist", source);
            }
            var clock = Stopwatch.StartNew();
            GgufModelFiles files = GgufConverter.Convert(source, p.GetValue(output)!, fileType, p.GetValue(name));
            Console.Error.WriteLine(
                $"wrote {files.Text} ({new FileInfo(files.Text).Length / (1024.0 * 1024):F1} MiB) and {files.Mmproj} " +
                $"({new FileInfo(files.Mmproj).Length / (1024.0 * 1024):F1} MiB) in {clock.Elapsed.TotalSeconds:F1} s");
            return Task.FromResult(0);
        }));
        return command;
    }
}
