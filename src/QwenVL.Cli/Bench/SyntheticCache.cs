// Synthetic checkpoints for `qwenvl bench --synthetic`, written once into a cache folder and reused
// (the 3B preset is ~7.5 GB and takes minutes to write). A checkpoint is written under a temporary
// name and renamed into place, so an interrupted write is never mistaken for a finished one.
using System.Diagnostics;
using QwenVL.Models.Synthetic;
using QwenVL.Tensors;

namespace QwenVL.Cli.Bench;

/// <summary>Finds or writes cached synthetic checkpoints.</summary>
public static class SyntheticCache
{
    /// <summary>Seed of every cached checkpoint (speed does not depend on the values).</summary>
    public const int Seed = 0;

    /// <summary>&lt;root&gt;/synthetic/&lt;preset&gt;-&lt;dtype&gt;-seed0.</summary>
    public static string FolderFor(string root, SyntheticPreset preset, DType dtype) =>
        Path.Combine(root, "synthetic", $"{preset.Name}-{dtype.ToString().ToLowerInvariant()}-seed{Seed}");

    /// <summary>Returns the cached folder, writing it first if absent; progress goes to <paramref name="log"/>.</summary>
    public static string Ensure(string root, SyntheticPreset preset, DType dtype, TextWriter log)
    {
        string folder = FolderFor(root, preset, dtype);
        if (File.Exists(Path.Combine(folder, "config.json")))
        {
            return folder;
        }
        string parent = Path.GetDirectoryName(folder)!;
        Directory.CreateDirectory(parent);
        string partial = Path.Combine(parent, $".{Path.GetFileName(folder)}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}");
        log.WriteLine($"qwenvl bench: writing synthetic {preset.Name} ({dtype}, random weights) to {folder} (once; reused afterwards)");
        var clock = Stopwatch.StartNew();
        try
        {
            SyntheticCheckpoint.Write(preset, partial, Seed, dtype);
            try
            {
                Directory.Move(partial, folder);
            }
            catch (IOException) when (File.Exists(Path.Combine(folder, "config.json")))
            {
                // Another bench process finished the same checkpoint first: use theirs.
            }
        }
        finally
        {
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }
        }
        log.WriteLine($"qwenvl bench: wrote {folder} in {clock.Elapsed.TotalSeconds:F1} s");
        return folder;
    }
}
