// `qwenvl synth`: write a random-weight checkpoint at the real dimensions of a published model, so
// the engine can be run and benchmarked with no download. The weights are noise; so are the answers.
using System.CommandLine;
using System.Diagnostics;
using QwenVL.Models.Synthetic;
using QwenVL.Tensors;

namespace QwenVL.Cli.Commands;

/// <summary>The synth command.</summary>
public static class SynthCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "one of: " + string.Join(", ", SyntheticPreset.All.Select(p => p.Name)), Required = true };
        var output = new Option<string>("--out", "-o") { Description = "folder to write", Required = true };
        var seed = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 0 };
        var dtype = new Option<string>("--dtype") { Description = "bf16 or f32", DefaultValueFactory = _ => "bf16" };
        var command = new Command("synth", "write a random-weight checkpoint with a real model's dimensions (produces noise, not answers)")
        {
            preset, output, seed, dtype,
        };
        command.SetAction((p, _) => CliErrors.Guard(() =>
        {
            SyntheticPreset chosen;
            try
            {
                chosen = SyntheticPreset.Get(p.GetValue(preset)!);
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException(e.Message);
            }
            DType type = p.GetValue(dtype)!.ToLowerInvariant() switch
            {
                "bf16" => DType.BF16,
                "f32" => DType.F32,
                string other => throw new CliUsageException($"--dtype must be bf16 or f32, not '{other}'"),
            };
            string folder = p.GetValue(output)!;
            var clock = Stopwatch.StartNew();
            SyntheticCheckpoint.Write(chosen, folder, p.GetValue(seed), type);
            long bytes = Directory.EnumerateFiles(folder).Sum(f => new FileInfo(f).Length);
            Console.Error.WriteLine($"wrote {chosen.Name} ({type}, {bytes / (1024.0 * 1024):F1} MiB) to {folder} in {clock.Elapsed.TotalSeconds:F1} s; random weights: it produces noise, not answers");
            return Task.FromResult(0);
        }));
        return command;
    }
}
