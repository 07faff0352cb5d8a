// Finds which safetensors files make up a checkpoint folder and which file holds each tensor:
// model.safetensors, else model.safetensors.index.json + shards, else every *.safetensors present.
// It deliberately exposes only the tensors the index lists (as transformers does) and opens each shard once.
using System.Text.Json.Nodes;

namespace QwenVL.Checkpoints;

internal static class CheckpointFolder
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>Opens the files of <paramref name="folder"/>; on failure everything opened is disposed.</summary>
    public static (List<SafeTensorsFile> Files, Dictionary<string, (SafeTensorInfo Info, SafeTensorsFile File)> Map)
        Load(string folder)
    {
        var files = new List<SafeTensorsFile>();
        try
        {
            var map = new Dictionary<string, (SafeTensorInfo, SafeTensorsFile)>(StringComparer.Ordinal);
            string single = Path.Combine(folder, SingleFile);
            string index = Path.Combine(folder, IndexFile);
            if (File.Exists(single))
            {
                AddAll(map, Opened(files, single));
            }
            else if (File.Exists(index))
            {
                LoadIndexed(folder, index, files, map);
            }
            else
            {
                string[] found;
                try
                {
                    found = Directory.GetFiles(folder, "*.safetensors", SearchOption.TopDirectoryOnly);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new CheckpointException(folder, null, $"cannot list {folder}: {ex.Message}", ex);
                }
                if (found.Length == 0)
                {
                    throw new CheckpointException(folder, null,
                        $"no {SingleFile} or {IndexFile} in {folder} (and no other *.safetensors files)");
                }
                Array.Sort(found, StringComparer.Ordinal);
                foreach (string path in found)
                {
                    AddAll(map, Opened(files, path));
                }
            }
            return (files, map);
        }
        catch
        {
            foreach (SafeTensorsFile file in files)
            {
                file.Dispose();
            }
            throw;
        }
    }

    private static void LoadIndexed(string folder, string index, List<SafeTensorsFile> files,
        Dictionary<string, (SafeTensorInfo, SafeTensorsFile)> map)
    {
        JsonObject root = CheckpointJson.ReadJsonObject(index);
        JsonObject weightMap = CheckpointJson.GetObject(root, "weight_map", index);
        var shards = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        // Sorted so that errors (and the order shards are opened in) do not depend on JSON key order.
        foreach (string name in weightMap.Select(kv => kv.Key).OrderBy(k => k, StringComparer.Ordinal))
        {
            string shardName = CheckpointJson.GetString(weightMap, name, index);
            if (shardName.Length == 0 || Path.IsPathRooted(shardName)
                || shardName.Split('/', '\\').Any(part => part is ".." or ""))
            {
                throw new CheckpointException(index, name,
                    $"weight_map entry '{name}' names shard '{shardName}', which is not a file name inside {folder}");
            }
            if (!shards.TryGetValue(shardName, out SafeTensorsFile? shard))
            {
                string shardPath = Path.Combine(folder, shardName);
                if (!File.Exists(shardPath))
                {
                    throw new CheckpointException(index, name,
                        $"shard '{shardName}' (listed for tensor '{name}') does not exist: expected {shardPath}");
                }
                shard = Opened(files, shardPath);
                shards.Add(shardName, shard);
            }
            if (!shard.Tensors.TryGetValue(name, out SafeTensorInfo? info))
            {
                throw new CheckpointException(index, name,
                    $"tensor '{name}' is listed in the index for shard '{shardName}', but {shard.Path} has no such tensor ({shard.Tensors.Count} tensors)");
            }
            map.Add(name, (info, shard));
        }
    }

    private static SafeTensorsFile Opened(List<SafeTensorsFile> files, string path)
    {
        SafeTensorsFile file = SafeTensorsFile.Open(path);
        files.Add(file);
        return file;
    }

    private static void AddAll(Dictionary<string, (SafeTensorInfo, SafeTensorsFile)> map, SafeTensorsFile file)
    {
        foreach (SafeTensorInfo info in file.Tensors.Values.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            if (map.TryGetValue(info.Name, out var existing))
            {
                throw new CheckpointException(file.Path, info.Name,
                    $"tensor '{info.Name}' is in both {existing.Item2.Path} and {file.Path}");
            }
            map.Add(info.Name, (info, file));
        }
    }
}
