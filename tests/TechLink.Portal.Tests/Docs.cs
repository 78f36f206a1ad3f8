namespace TechLink.Portal.Tests;

/// <summary>Screenshots the README shows: copied from the test run's folder into the repository's <c>docs/</c>.</summary>
public static class Docs
{
    public static void Copy(string screenshot, string fileName)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TechLink.slnx"))) dir = dir.Parent;
        if (dir is null) return;
        Directory.CreateDirectory(Path.Combine(dir.FullName, "docs"));
        File.Copy(Path.Combine(PortalFixture.ScreenshotDirectory, screenshot + ".png"), Path.Combine(dir.FullName, "docs", fileName), overwrite: true);
    }
}
