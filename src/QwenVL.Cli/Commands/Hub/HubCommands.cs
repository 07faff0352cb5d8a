// Registers the hub commands (pull, list, rm) and the global --yes option on the root command, and
// turns a --model argument (folder, hub id, alias) into a folder for run and bench: cached models load
// directly, missing ones are downloaded after a prompt (stdin and stderr are terminals) or with --yes.
// Non-interactive without --yes it fails fast, without touching the network, and names the pull command.
using System.CommandLine;
using QwenVL.Hub;

namespace QwenVL.Cli.Commands;

/// <summary>Hub command registration and model-argument resolution.</summary>
public static class HubCommands
{
    /// <summary>--yes: download missing models (and confirm rm) without asking; valid on every command.</summary>
    public static readonly Option<bool> Yes = new("--yes") { Description = "download a missing model (or delete with rm) without asking", Recursive = true };

    /// <summary>Adds pull, list, rm and --yes to <paramref name="root"/>.</summary>
    public static void Register(RootCommand root)
    {
        root.Options.Add(Yes);
        root.Subcommands.Add(PullCommand.Create());
        root.Subcommands.Add(ListCommand.Create());
        root.Subcommands.Add(RemoveCommand.Create());
    }

    /// <summary>True when a person can answer a prompt: stdin and stderr are terminals.</summary>
    public static bool Interactive => !Console.IsInputRedirected && !Console.IsErrorRedirected;

    /// <summary>The folder to load for <paramref name="model"/>: a folder as given, a cached snapshot, or a fresh download.</summary>
    public static async Task<string> ResolveFolderAsync(ParseResult p, string model, CancellationToken ct)
    {
        using var resolver = new ModelResolver();
        ResolvedModel resolved = resolver.Resolve(model);
        if (resolved.Location != ModelLocation.Missing)
        {
            return resolved.Folder!;
        }
        bool yes = p.GetValue(Yes);
        if (!yes && !Interactive)
        {
            throw ModelResolver.NotDownloaded(resolved, null);
        }
        RepoListing listing = await resolver.ListAsync(resolved.Repo!, ct).ConfigureAwait(false);
        if (!yes && !Confirm($"qwenvl: {model} is not downloaded. Download {resolved.Repo} ({Downloader.Bytes(listing.TotalBytes)}, {listing.Files.Count} files) " +
                $"from {resolver.Settings.Endpoint(listing.Repo.Source)} into {resolver.Settings.CacheRoot(listing.Repo.Source)}? [y/N] "))
        {
            throw ModelResolver.NotDownloaded(resolved, listing);
        }
        return await PullWithViewAsync(resolver, listing, null, ct).ConfigureAwait(false);
    }

    /// <summary>Downloads <paramref name="listing"/> while drawing progress on stderr; returns the snapshot folder.</summary>
    public static Task<string> PullWithViewAsync(ModelResolver resolver, RepoListing listing, Func<string, bool>? include, CancellationToken ct)
    {
        var progress = new PullProgress();
        return ConsolePullView.RunAsync(resolver.PullAsync(listing, progress, include, ct), progress, listing.Repo.ToString());
    }

    /// <summary>Asks a yes/no question on stderr; anything but y/yes is no.</summary>
    public static bool Confirm(string question)
    {
        Console.Error.Write(question);
        string? answer = Console.ReadLine()?.Trim();
        return answer is not null && (answer.Equals("y", StringComparison.OrdinalIgnoreCase) || answer.Equals("yes", StringComparison.OrdinalIgnoreCase));
    }
}
