// The engine layer's exception: a request the engine cannot serve (bad message structure, an image
// that fails to load, a prompt longer than the context). Front doors map it to exit codes or 4xx;
// Field says which part of the request is at fault ("messages[1].content[0].image_url").
namespace QwenVL.Engine;

/// <summary>A request the engine rejects, with the field at fault.</summary>
public sealed class EngineException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EngineException(string message, string? field = null, Exception? inner = null) : base(message, inner) => Field = field;

    /// <summary>The request field at fault, when known.</summary>
    public string? Field { get; }
}
