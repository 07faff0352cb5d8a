// `qwenvl list`: the models in the Hugging Face cache (HF_HUB_CACHE) and qwenvl's ModelScope cache,
// with revision, size, completeness and path, as a table or JSON. It reads folders only; no network.
using System.CommandLine;
using System.Text.Json;
using QwenVL.Hub;

namespace QwenVL.Cli.Commands;

/// <summary>The list command.</summary>
public static class ListCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<bool> json = CommonOptions.Json("print a JSON array of {repo, source, revision, commit, size_bytes, complete, path}");
        var command = new Command("list", "list downloaded models (Hugging Face cache and ModelScope cache)") { json };
        command.SetAction((p, ct) => CliErrors.Guard(async () =>
        {
            var settings = HubSettings.FromEnvironment();
            var rows = new List<(string Source, CachedModel Model)>();
            rows.AddRange(new HubCache(settings.HfCache).List().Select(m => ("hf", m)));
            rows.AddRange(new HubCache(settings.ModelScopeCache).List().Select(m => ("modelscope", m)));
            if (p.GetValue(json))
            {
                var items = rows.Select(r => new Dictionary<string, object>
                {
                    ["repo"] = r.Model.Repo, ["source"] = r.Source, ["revision"] = r.Model.Revision, ["commit"] = r.Model.Commit,
                    ["size_bytes"] = r.Model.SizeBytes, ["complete"] = r.Model.Complete, ["path"] = r.Model.Path,
                });
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(items, CliJson.Options));
                return 0;
            }
            if (rows.Count == 0)
            {
                await Console.Out.WriteLineAsync($"no models in {settings.HfCache} or {settings.ModelScopeCache}; get one with `qwenvl pull Qwen/Qwen2.5-VL-3B-Instruct`");
                return 0;
            }
            int width = Math.Max(4, rows.Max(r => r.Model.Repo.Length + (r.Source == "hf" ? 0 : 3)));
            await Console.Out.WriteLineAsync($"{"REPO".PadRight(width)}  {"REVISION",-12}  {"SIZE",9}  PATH");
            foreach ((string source, CachedModel m) in rows)
            {
                string name = (source == "hf" ? "" : "ms:") + m.Repo;
                string rev = m.Revision.Length > 12 ? m.Revision[..12] : m.Revision;
                await Console.Out.WriteLineAsync($"{name.PadRight(width)}  {rev,-12}  {Downloader.Bytes(m.SizeBytes),9}  {m.Path}{(m.Complete ? "" : "  (incomplete)")}");
            }
            return 0;
        }));
        return command;
    }
}
