// The one error type of the hub layer: a sentence a user can act on (which endpoint, which file,
// what to try). It derives from IOException so callers that only know I/O failures still report
// it as one line; it never carries a stack trace into the message.
namespace QwenVL.Hub;

/// <summary>A hub, download or cache failure with an actionable message.</summary>
public sealed class HubException : IOException
{
    /// <summary>Creates the exception.</summary>
    public HubException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>What went wrong, for callers that map errors to exit codes.</summary>
    public HubErrorKind Kind { get; init; } = HubErrorKind.Other;
}

/// <summary>Coarse cause of a <see cref="HubException"/>.</summary>
public enum HubErrorKind
{
    /// <summary>Anything else (bad JSON, bad name).</summary>
    Other,

    /// <summary>The hub could not be reached at all (DNS, refused, timeout, offline mode).</summary>
    Unreachable,

    /// <summary>The repository, revision or file does not exist (404).</summary>
    NotFound,

    /// <summary>The hub wants a token (401/403).</summary>
    Unauthorized,

    /// <summary>Downloaded bytes did not match the listed size or hash twice in a row.</summary>
    Corrupt,

    /// <summary>The local disk refused the bytes (full, read-only, permission).</summary>
    LocalDisk,

    /// <summary>The model is not downloaded and downloading was not allowed.</summary>
    NotDownloaded,
}
