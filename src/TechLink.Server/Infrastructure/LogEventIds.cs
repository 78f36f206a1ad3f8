namespace TechLink.Server.Infrastructure;

/// <summary>
/// The host's log event ids, in one place so none is used twice (3000 and up; the delivery engine's are
/// 1000–2999, in <c>TechLink.Delivery.LogEventIds</c>). Stable: operators filter and alert on them.
/// </summary>
internal static class LogEventIds
{
    public const int UnhandledException = 3000;
    public const int DatabaseUnavailable = 3001;
    public const int ConcurrentChange = 3020;
    public const int BootstrapStaffKeyCreated = 3100;
    public const int KeyRingImported = 3101;
    public const int WebhookAutoDisabled = 3210;
    public const int WebhookDisabledNoticeSent = 3211;
    public const int WebhookDisabledNoticeFailed = 3212;
    public const int SandboxDataAsOfUnreadable = 3300;
    public const int PortalSessionRefused = 3400;
}
