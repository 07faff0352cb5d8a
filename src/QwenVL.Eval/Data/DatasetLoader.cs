// Chooses the reader from the path: a .tsv file (VLMEvalKit), a .parquet file, or a folder of parquet
// shards (read in name order, rows numbered across shards). It does not download anything; the
// README says where each file comes from.
namespace QwenVL.Eval.Data;

/// <summary>Entry point for reading a benchmark's data.</summary>
public static class DatasetLoader
{
    /// <summary>Loads <paramref name="path"/>; <see cref="DataException"/> when the path or a column is unusable.</summary>
    public static LoadedDataset Load(string path, string benchmark)
    {
        BenchmarkInfo info = BenchmarkInfo.Get(benchmark);
        if (Directory.Exists(path))
        {
            string[] shards = Directory.GetFiles(path, "*.parquet").Order(StringComparer.Ordinal).ToArray();
            if (shards.Length == 0)
            {
                string[] tsvs = Directory.GetFiles(path, "*.tsv");
                if (tsvs.Length == 1) return VlmEvalKitTsv.Load(tsvs[0], info);
                throw new DataException($"{path}: folder holds no .parquet shards (and not exactly one .tsv)");
            }
            var items = new List<BenchmarkItem>();
            var bad = new List<DataRowError>();
            int offset = 0;
            foreach (string shard in shards)
            {
                LoadedDataset part = ParquetDataset.Load(shard, info, offset);
                items.AddRange(part.Items);
                bad.AddRange(part.BadRows.Select(b => b with { Message = $"{Path.GetFileName(shard)}: {b.Message}" }));
                offset += part.Rows;
            }
            var dup = items.GroupBy(i => i.Id).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null) throw new DataException($"{path}: id '{dup.Key}' occurs in more than one shard");
            return new LoadedDataset(path, "hf-parquet", items, bad) { Rows = offset };
        }
        if (!File.Exists(path)) throw new DataException($"--data: no such file or folder: {path}");
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".tsv" => VlmEvalKitTsv.Load(path, info),
            ".parquet" => ParquetDataset.Load(path, info),
            string ext => throw new DataException($"{path}: unknown data format '{ext}' (expected a VLMEvalKit .tsv, a .parquet file or a folder of .parquet shards)"),
        };
    }
}
