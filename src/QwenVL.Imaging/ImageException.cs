// The one exception type of the imaging layer: bad bytes, bad sizes, bad preprocessor config.
// It carries the name of what failed (a file path, a message part, a config key) in Source;
// it deliberately wraps no decoder-specific error types, so callers catch one thing.
namespace QwenVL.Imaging;

/// <summary>An image or preprocessor config that cannot be used; <see cref="Source"/> names it.</summary>
public sealed class ImageException : Exception
{
    private string? _source;

    /// <summary>Creates the exception; the message is prefixed with the source name.</summary>
    public ImageException(string source, string message)
        : base($"{source}: {message}")
    {
        _source = source;
    }

    /// <summary>Creates the exception with the underlying cause.</summary>
    public ImageException(string source, string message, Exception innerException)
        : base($"{source}: {message}", innerException)
    {
        _source = source;
    }

    /// <summary>The file path or name of the image (or config) that failed.</summary>
    public override string? Source
    {
        get => _source;
        set => _source = value;
    }
}
