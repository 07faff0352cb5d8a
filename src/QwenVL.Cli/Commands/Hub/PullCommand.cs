// `qwenvl pull REPO_ID`: downloads a repository (or an alias's repository) into the hub cache with
// resume, parallel files and verification, then prints the snapshot folder on stdout so scripts can use
// it. Downloading is Downloader's job; this file only reads arguments and draws progress.
using System.CommandLine;
using QwenVL.Hub;

namespace QwenVL.Cli.Commands;

/// <summary>The pull command.</summary>
public static class PullCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var repo = new Argument<string>("REPO_ID") { Description = "ORG/NAME[@REV] on the hub, or an alias: default, qwen-vl-plus, qwen-vl-max, or your own in aliases.json in $QWENVL_CONFIG_DIR (default ~/.config/qwenvl), a JSON object {\"name\": \"ORG/NAME[@REV] or folder\"}" };
        var revision = new Option<string?>("--revision") { Description = "branch, tag or commit (default: main on Hugging Face, master on ModelScope)" };
        var source = new Option<string>("--source") { Description = "hf (Hugging Face or HF_ENDPOINT) or modelscope", DefaultValueFactory = _ => "hf" };
        var include = new Option<string[]>("--include") { Description = "only files matching this glob (repeatable; * within a folder, ** across folders)" };
        var command = new Command("pull", "download a model from Hugging Face or ModelScope into the Hugging Face cache (resumable, verified)")
        {
            repo, revision, source, include,
        };
        command.SetAction((p, ct) => CliErrors.Guard(async () =>
        {
            HubSource hub = (p.GetValue(source) ?? "hf") switch
            {
                "hf" or "huggingface" => HubSource.HuggingFace,
                "modelscope" or "ms" => HubSource.ModelScope,
                string other => throw new CliUsageException($"--source must be hf or modelscope, got '{other}'"),
            };
            using var resolver = new ModelResolver();
            string text = p.GetValue(repo)!;
            RepoId id = resolver.Resolve(text).Repo ?? RepoId.TryParse(text, hub)
                ?? throw new CliUsageException($"REPO_ID '{text}' is neither ORG/NAME[@REV] nor an alias ({string.Join(", ", resolver.Aliases.All.Keys)})");
            if (p.GetResult(source) is { Implicit: false })
            {
                id = id with { Source = hub };
            }
            if (p.GetValue(revision) is { } rev)
            {
                id = id with { Revision = rev };
            }
            string[] globs = p.GetValue(include) ?? [];
            RepoListing listing = await resolver.ListAsync(id, ct);
            Func<string, bool>? filter = globs.Length > 0 ? ModelResolver.Glob(globs) : null;
            int count = filter is null ? listing.Files.Count : listing.Files.Count(f => filter(f.Path));
            if (count == 0)
            {
                throw new CliUsageException($"--include {string.Join(" ", globs)} matches none of the {listing.Files.Count} files of {id}");
            }
            await Console.Error.WriteLineAsync($"qwenvl: pulling {id} at {listing.Commit} ({count} files, {Downloader.Bytes(listing.Files.Where(f => filter?.Invoke(f.Path) ?? true).Sum(f => f.Size))}) from {resolver.Settings.Endpoint(id.Source)}");
            string folder = await HubCommands.PullWithViewAsync(resolver, listing, filter, ct);
            await Console.Out.WriteLineAsync(folder);
            return 0;
        }));
        return command;
    }
}
