// Opening a checkpoint file for memory mapping, shared by the safetensors and GGUF readers so a
// missing or unreadable file is reported the same way (CheckpointException naming the path).
namespace QwenVL.Checkpoints;

/// <summary>File helpers for the checkpoint readers.</summary>
internal static class CheckpointFiles
{
    /// <summary>The absolute form of <paramref name="path"/>; a malformed path is a <see cref="CheckpointException"/>.</summary>
    public static string FullPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return System.IO.Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CheckpointException(path, null, $"invalid path: {ex.Message}", ex);
        }
    }

    /// <summary>Opens <paramref name="full"/> read-only; <paramref name="kind"/> ("GGUF", "safetensors") goes into messages.</summary>
    public static FileStream OpenRead(string full, string kind)
    {
        try
        {
            return new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointException(full, null, $"{kind} file not found", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(full, null, $"cannot open {kind} file: {ex.Message}", ex);
        }
    }
}
