// Dependency-injection registration: one singleton InferenceEngine (loaded on first use, disposed
// with the container) and the IChatClient over it, returned as a ChatClientBuilder so callers can
// add middleware (logging, caching, telemetry). It does not register an HttpClient of its own.
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using QwenVL.Engine;
using QwenVL.Extensions.AI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the QwenVL chat client.</summary>
public static class QwenVLServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="QwenVLChatClientOptions"/>, a singleton <see cref="InferenceEngine"/>
    /// loaded from <see cref="QwenVLChatClientOptions.ModelPath"/> (unless one is already registered)
    /// and a singleton <see cref="IChatClient"/>. Chain the returned builder's <c>Use...</c> methods
    /// to wrap the client in middleware.
    /// </summary>
    public static ChatClientBuilder AddQwenVLChatClient(this IServiceCollection services, Action<QwenVLChatClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new QwenVLChatClientOptions();
        configure(options);
        services.TryAddSingleton(options);
        // A factory registration: the container disposes the engine it created when it is disposed.
        services.TryAddSingleton(sp => QwenVLChatClient.LoadEngine(sp.GetRequiredService<QwenVLChatClientOptions>()));
        return services.AddChatClient(sp => new QwenVLChatClient(sp.GetRequiredService<InferenceEngine>(),
            sp.GetRequiredService<QwenVLChatClientOptions>()), ServiceLifetime.Singleton);
    }
}
