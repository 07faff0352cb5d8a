// The single exception type of the chat-template engine: parse errors, runtime errors and raise_exception().
// It carries the template's source name and the 1-based line/column of the offending token or node;
// it deliberately does not carry a stack of template frames (chat templates are one file, no includes).
namespace QwenVL.ChatTemplates;

/// <summary>A chat template failed to parse or to render.</summary>
public sealed class TemplateException : Exception
{
    internal TemplateException(string sourceName, int line, int column, string detail, bool bareMessage = false)
        : base(bareMessage ? detail : $"{sourceName}:{line}:{column}: {detail}")
    {
        SourceName = sourceName;
        Line = line;
        Column = column;
        Detail = detail;
    }

    internal TemplateException(string sourceName, string detail, Exception? inner = null)
        : base($"{sourceName}: {detail}", inner)
    {
        SourceName = sourceName;
        Detail = detail;
    }

    /// <summary>Name of the template (file path or "chat_template").</summary>
    public string SourceName { get; }

    /// <summary>1-based line of the error; 0 when the error is not tied to a position (e.g. a malformed file).</summary>
    public int Line { get; }

    /// <summary>1-based column of the error; 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>The error text without the "source:line:column:" prefix.</summary>
    public string Detail { get; }
}
