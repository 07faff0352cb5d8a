// Options several commands share (--model, --threads, --backend), declared once.
using System.CommandLine;

namespace QwenVL.Cli.Commands;

/// <summary>Shared option factories.</summary>
public static class CommonOptions
{
    /// <summary>--model DIR|ORG/NAME[@REV]|ALIAS (required); resolve it with HubCommands.ResolveFolderAsync.</summary>
    public static Option<string> Model() => new("--model", "-m") { Description = "checkpoint folder, hub id ORG/NAME[@REV] (ms: prefix for ModelScope) or alias (default, qwen-vl-plus, qwen-vl-max); a missing hub model is downloaded after asking, or with --yes", Required = true };

    /// <summary>--threads N.</summary>
    public static Option<int> Threads() => new("--threads") { Description = "compute threads (default: one per core)", DefaultValueFactory = _ => 0 };

    /// <summary>--backend NAME.</summary>
    public static Option<string> Backend() => new("--backend") { Description = "compute backend: cpu, cpu-bf16 (BF16/AMX activations, faster, not bit-exact), reference, cpu-scalar, cpu-v128, cpu-v256, cpu-v512", DefaultValueFactory = _ => "cpu" };

    /// <summary>--json.</summary>
    public static Option<bool> Json(string description) => new("--json") { Description = description };
}
