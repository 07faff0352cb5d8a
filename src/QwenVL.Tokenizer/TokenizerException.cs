// The one exception type of the tokenizer: bad or unsupported tokenizer.json / tokenizer_config.json input.
// It deliberately records where (file and JSON path) so the message points at the offending entry.
namespace QwenVL.Tokenizer;

/// <summary>A tokenizer file is malformed or uses a feature this tokenizer does not implement.</summary>
public sealed class TokenizerException : Exception
{
    public TokenizerException(string message, string file, string? jsonPath = null, Exception? inner = null)
        : base(Format(message, file, jsonPath), inner)
    {
        File = file;
        JsonPath = jsonPath;
    }

    /// <summary>The file (or source name) that was being read.</summary>
    public string File { get; }

    /// <summary>JSON path of the offending value, e.g. <c>$.model.merges[12]</c>; null when not tied to one.</summary>
    public string? JsonPath { get; }

    private static string Format(string message, string file, string? jsonPath) =>
        jsonPath == null ? $"{file}: {message}" : $"{file} at {jsonPath}: {message}";
}
