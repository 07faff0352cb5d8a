// Sharded checkpoints: splits tensors (in the given order) into shards of at most maxShardBytes of
// data and writes model-0000i-of-0000n.safetensors plus model.safetensors.index.json, as transformers'
// save_pretrained does. It deliberately never splits a tensor: one larger than the limit gets its own shard.
using System.Text.Encodings.Web;
using System.Text.Json;

namespace QwenVL.Checkpoints;

/// <content>Sharded writing.</content>
public static partial class SafeTensorsWriter
{
    /// <summary>
    /// Writes <c>model.safetensors</c> when all data fits in <paramref name="maxShardBytes"/>, else numbered
    /// shards and an index. A conflicting leftover (index or single file of the other layout) is deleted,
    /// because TensorStore would prefer it over what was just written.
    /// </summary>
    public static void WriteSharded(string folder, IReadOnlyList<TensorToWrite> tensors, long maxShardBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        string full = Path.GetFullPath(folder);
        Validate(tensors, full);
        Directory.CreateDirectory(full);

        List<List<TensorToWrite>> shards = PlanShards(tensors, maxShardBytes);
        string single = Path.Combine(full, CheckpointFolder.SingleFile);
        string index = Path.Combine(full, CheckpointFolder.IndexFile);
        if (shards.Count <= 1)
        {
            Write(single, tensors);
            TryDelete(index);
            return;
        }

        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < shards.Count; i++)
        {
            string shardName = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            Write(Path.Combine(full, shardName), shards[i]);
            foreach (TensorToWrite t in shards[i])
            {
                weightMap[t.Name] = shardName;
            }
        }
        WriteIndex(index, weightMap, tensors.Sum(t => t.ByteLength));
        TryDelete(single);
    }

    /// <summary>Greedy split in list order, so tensors written together (one layer) stay together.</summary>
    private static List<List<TensorToWrite>> PlanShards(IReadOnlyList<TensorToWrite> tensors, long maxShardBytes)
    {
        var shards = new List<List<TensorToWrite>>();
        List<TensorToWrite>? current = null;
        long currentBytes = 0;
        foreach (TensorToWrite t in tensors)
        {
            long bytes = t.ByteLength;
            if (current is null || (current.Count > 0 && currentBytes + bytes > maxShardBytes))
            {
                current = [];
                shards.Add(current);
                currentBytes = 0;
            }
            current.Add(t);
            currentBytes += bytes;
        }
        return shards;
    }

    private static void WriteIndex(string path, SortedDictionary<string, string> weightMap, long totalBytes)
    {
        string temp = path + ".partial";
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            using (var json = new Utf8JsonWriter(file, new JsonWriterOptions
                   {
                       Indented = true,
                       Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                   }))
            {
                json.WriteStartObject();
                json.WriteStartObject("metadata");
                json.WriteNumber("total_size", totalBytes);
                json.WriteEndObject();
                json.WriteStartObject("weight_map");
                foreach (var (name, shard) in weightMap)
                {
                    json.WriteString(name, shard);
                }
                json.WriteEndObject();
                json.WriteEndObject();
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }
}
