namespace TechLink.Delivery;

/// <summary>
/// The delivery engine's log event ids, in one place so none is used twice (1000–2999; the host's own start at 3000,
/// in <c>TechLink.Server.Infrastructure.LogEventIds</c>). Stable: operators filter and alert on them.
/// </summary>
internal static class LogEventIds
{
    public const int DispatcherStarted = 1001;
    public const int DispatcherStopped = 1002;
    public const int LoopFailed = 1003;
    public const int Claimed = 1004;
    public const int AttemptDone = 1005;
    public const int DeliveryFailed = 1006;
    public const int EndpointUnavailable = 1007;
    public const int ProcessingFailed = 1008;
    public const int WriteFailed = 1009;
    public const int LeaseLost = 1010;
    public const int ListenFailed = 1011;
    public const int Listening = 1012;
    public const int BacklogSampleFailed = 1013;
    public const int ResultsAbandoned = 1014;
    public const int Postponed = 1015;
    public const int PrefetchFailed = 1016;
    public const int FailureWatcherFailed = 1017;

    // Pause, replay and changes that apply at once (issue 14); 1040-1049 kept for them.
    public const int EndpointPaused = 1040;
    public const int ResumedWhileParking = 1041;
    public const int EndpointsChanged = 1042;

    // Retention (issue 17).
    public const int RetentionSwept = 1050;
    public const int RetentionFailed = 1051;
    public const int RetentionSkipped = 1052;
    public const int IdMarkFailed = 1053;

    public const int UnexpectedSendError = 2001;
}
