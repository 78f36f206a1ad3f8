namespace TechLink.Bench;

/// <summary>
/// <c>TechLink.Bench [--quick|--full] [--out DIR]</c> runs the scenarios; <c>TechLink.Bench receiver</c> is the
/// receiver the orchestrator starts in its own process (the bench re-launches itself); <c>TechLink.Bench bare-api DIR</c> the API path's baseline.
/// </summary>
internal static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "receiver") return await Receiver.RunAsync();
        if (args.Length > 1 && args[0] == "bare-api") return await BareApi.RunAsync(args[1]);
        return await Orchestrator.RunAsync(args);
    }
}
