// Settings of QwenVLChatClient and of its dependency-injection registration: which checkpoint to
// load, how to fetch http(s) images (only with an HttpClient the caller hands over) and size caps.
// It deliberately holds no sampling defaults: those come from ChatOptions or generation_config.json.
using QwenVL.Engine;
using QwenVL.Models;

namespace QwenVL.Extensions.AI;

/// <summary>Options for <see cref="QwenVLChatClient"/>.</summary>
public sealed class QwenVLChatClientOptions
{
    /// <summary>Checkpoint folder (Hugging Face layout). Required when the client loads its own engine.</summary>
    public string? ModelPath { get; set; }

    /// <summary>Model id reported in metadata and responses; defaults to the checkpoint folder's name.</summary>
    public string? ModelId { get; set; }

    /// <summary>How the checkpoint is loaded (backend, threads, weight format).</summary>
    public ModelLoadOptions? LoadOptions { get; set; }

    /// <summary>Engine knobs (batching, caches).</summary>
    public EngineOptions? EngineOptions { get; set; }

    /// <summary>
    /// Client used for http(s) <c>UriContent</c> images. When null, http(s) images are refused:
    /// the library never opens network connections the caller did not configure.
    /// </summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Largest encoded image accepted from a URL or file, in bytes (default 20 MiB).</summary>
    public long MaxImageBytes { get; set; } = 20L << 20;

    /// <summary>Whether <c>file://</c> image URIs are read (default true: the caller is in-process and trusted).</summary>
    public bool AllowFileUris { get; set; } = true;

    /// <summary>Largest decoded image, in pixels, accepted before resizing (decompression-bomb guard).</summary>
    public long MaxImagePixels { get; set; } = 100_000_000;
}
