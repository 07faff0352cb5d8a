// `qwenvl quantize`: write a copy of a checkpoint whose matrices are Q8_0 or Q4_0 blocks (format in
// QwenVL.Models/Quantization/QuantizedTensorFormat.cs), so later runs load it without quantizing.
// It runs no model; the copy is loaded like any checkpoint (with or without --weights).
using System.CommandLine;
using System.Diagnostics;
using QwenVL.Models;
using QwenVL.Models.Quantization;

namespace QwenVL.Cli.Commands;

/// <summary>The quantize command.</summary>
public static class QuantizeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<string> model = CommonOptions.Model();
        var output = new Option<string>("--out", "-o") { Description = "folder to write the quantized checkpoint to", Required = true };
        var weights = new Option<string>("--weights") { Description = "q8 (Q8_0: int8, one f16 scale per 32) or q4 (Q4_0: 4-bit)", Required = true };
        var command = new Command("quantize", "write a quantized copy of a checkpoint (Q8_0 or Q4_0 matrices) that loads without re-quantizing")
        {
            model, output, weights,
        };
        command.SetAction((p, _) => CliErrors.Guard(() =>
        {
            WeightFormat format = p.GetValue(weights)!.ToLowerInvariant() switch
            {
                "q8" => WeightFormat.Q8,
                "q4" => WeightFormat.Q4,
                string other => throw new CliUsageException($"--weights must be q8 or q4, not '{other}'"),
            };
            string source = p.GetValue(model)!, target = p.GetValue(output)!;
            if (string.Equals(Path.GetFullPath(source).TrimEnd('/'), Path.GetFullPath(target).TrimEnd('/'), StringComparison.Ordinal))
            {
                throw new CliUsageException("--out must be a different folder from --model");
            }
            var clock = Stopwatch.StartNew();
            QuantizeSummary s = QuantizedCheckpointWriter.Write(source, target, format);
            Console.Error.WriteLine(
                $"wrote {target}: {s.QuantizedTensors} of {s.Tensors} tensors as {QuantizedTensorFormat.Target(format)}, " +
                $"{s.SourceBytes / (1024.0 * 1024):F1} MiB -> {s.WrittenBytes / (1024.0 * 1024):F1} MiB in {s.Shards} file(s), {clock.Elapsed.TotalSeconds:F1} s");
            return Task.FromResult(0);
        }));
        return command;
    }
}
