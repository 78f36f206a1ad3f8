namespace TechLink.Bench;

/// <summary>
/// <c>TechLink.Bench [--quick|--full] [--out DIR]</c> runs the scenarios; <c>TechLink.Bench receiver</c> is the
/// receiver the orchestrator starts in its own process (the bench re-launches itself).
/// </summary>
internal static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "receiver") return await Receiver.RunAsync();
        return await Orchestrator.RunAsync(args);
    }
}
