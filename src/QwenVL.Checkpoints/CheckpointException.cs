// The single exception type of this project: every malformed file, missing tensor or wrong shape
// surfaces as a CheckpointException naming the file and, when there is one, the key at fault.
// It deliberately carries no partial results.
namespace QwenVL.Checkpoints;

/// <summary>A checkpoint or JSON file is missing, malformed, or lacks what the caller needs.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>
    /// Creates the exception; the message is prefixed with "file: " unless it already names the file,
    /// so every message says where the problem is exactly once.
    /// </summary>
    public CheckpointException(string? file, string? key, string message, Exception? inner = null)
        : base(file is null || message.Contains(file, StringComparison.Ordinal) ? message : $"{file}: {message}", inner)
    {
        File = file;
        Key = key;
    }

    /// <summary>The file (or folder) the error is about, or null when none applies.</summary>
    public string? File { get; }

    /// <summary>The tensor name or JSON key the error is about, or null for file-level errors.</summary>
    public string? Key { get; }
}
