using System.Text.RegularExpressions;

namespace TechLink.Delivery.Tests.Architecture;

/// <summary>
/// The engine's folders depend on each other one way only (issue 13): read from the sources' <c>using</c> directives
/// and qualified names, any cycle between two folders fails, naming the files that close it.
/// </summary>
public sealed partial class FolderDependencyTests
{
    [GeneratedRegex(@"\bTechLink\.Delivery\.(?<folder>[A-Z][A-Za-z]+)\b")]
    private static partial Regex FolderReference();

    private static string EngineSources()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "TechLink.Delivery");
            if (File.Exists(Path.Combine(dir.FullName, "TechLink.slnx")) && Directory.Exists(candidate)) return candidate;
        }

        throw new InvalidOperationException("The repository root (TechLink.slnx) was not found above the test's folder.");
    }

    [Fact]
    public void EngineFolders_DependOnEachOtherOneWayOnly()
    {
        var root = EngineSources();
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).ToHashSet();
        var edges = new Dictionary<(string From, string To), string>();
        foreach (var file in Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file);
            var from = relative.Split(Path.DirectorySeparatorChar)[0];
            if (!folders.Contains(from)) continue;
            // Code only: documentation comments may name anything.
            var code = string.Join('\n', File.ReadLines(file).Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)));
            foreach (Match m in FolderReference().Matches(code))
            {
                var to = m.Groups["folder"].Value;
                if (to != from && folders.Contains(to)) edges.TryAdd((from, to), relative);
            }
        }

        Assert.NotEmpty(edges);
        var cycles = edges.Keys.Where(e => edges.ContainsKey((e.To, e.From)) && string.CompareOrdinal(e.From, e.To) < 0)
            .Select(e => $"{e.From} <-> {e.To} ({edges[e]}, {edges[(e.To, e.From)]})").ToList();
        Assert.True(cycles.Count == 0, "Engine folders depending on each other both ways: " + string.Join("; ", cycles));

        // No longer cycle either: peel off the folders that depend on no remaining folder until none is left.
        var remaining = edges.Keys.SelectMany(e => new[] { e.From, e.To }).ToHashSet();
        while (remaining.FirstOrDefault(f => !edges.Keys.Any(e => e.From == f && e.To != f && remaining.Contains(e.To))) is { } leaf) remaining.Remove(leaf);
        Assert.True(remaining.Count == 0, "Engine folders in a dependency cycle: " + string.Join(", ", remaining));
    }
}
