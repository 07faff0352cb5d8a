// `qwenvl rm REPO_ID`: deletes a model's snapshots, blobs and refs from the cache after a prompt (or
// with --yes). Non-interactive without --yes it refuses. It removes whole repositories only, not single
// revisions, because blobs are shared between revisions.
using System.CommandLine;
using QwenVL.Hub;

namespace QwenVL.Cli.Commands;

/// <summary>The rm command.</summary>
public static class RemoveCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var repo = new Argument<string>("REPO_ID") { Description = "ORG/NAME (ms:ORG/NAME for the ModelScope cache) or an alias" };
        var command = new Command("rm", "delete a downloaded model from the cache") { repo };
        command.SetAction((p, ct) => CliErrors.Guard(async () =>
        {
            using var resolver = new ModelResolver();
            string text = p.GetValue(repo)!;
            RepoId id = resolver.Resolve(text).Repo ?? RepoId.TryParse(text)
                ?? throw new CliUsageException($"REPO_ID '{text}' is neither ORG/NAME nor an alias");
            HubCache cache = resolver.Cache(id.Source);
            string folder = cache.RepoFolder(id);
            if (!Directory.Exists(folder))
            {
                throw new CliUsageException($"{id.Id} is not in {cache.Root}; `qwenvl list` shows what is");
            }
            if (!p.GetValue(HubCommands.Yes))
            {
                if (!HubCommands.Interactive)
                {
                    throw new CliUsageException($"rm would delete {folder}; add --yes to confirm");
                }
                if (!HubCommands.Confirm($"qwenvl: delete {folder}? [y/N] "))
                {
                    await Console.Error.WriteLineAsync("qwenvl: nothing deleted");
                    return 1;
                }
            }
            long freed = cache.Remove(id);
            await Console.Error.WriteLineAsync($"qwenvl: deleted {folder} ({Downloader.Bytes(freed)} freed)");
            return 0;
        }));
        return command;
    }
}
