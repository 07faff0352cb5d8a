// The Models layer's one exception type: a checkpoint that cannot be turned into a model
// (unsupported model_type, inconsistent config, missing or mis-shaped tensor). It always names the
// file and the key so a user can act on it; it never wraps a crash.
namespace QwenVL.Models;

/// <summary>A checkpoint folder that does not describe a model this engine can run.</summary>
public sealed class ModelException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelException(string message, string? file = null, string? key = null, Exception? inner = null)
        : base(message, inner)
    {
        File = file;
        Key = key;
    }

    /// <summary>The file at fault, if one.</summary>
    public string? File { get; }

    /// <summary>The config key or tensor name at fault, if one.</summary>
    public string? Key { get; }
}
