namespace TechLink.Webhooks;

/// <summary>A user account has been created.</summary>
public sealed record AccountCreated : TechLinkEvent, ITechLinkEventType<AccountCreated>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.AccountCreated;
    /// <inheritdoc />
    public static string Description => "A user account has been created for you.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Data(EventName, null, SampleBodies.User);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The user account.</summary>
    public required User Data { get; init; }
    /// <inheritdoc />
    public override string Describe() => EventText.User(Data);
}

/// <summary>A user account has been updated.</summary>
public sealed record AccountUpdated : TechLinkEvent, ITechLinkEventType<AccountUpdated>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.AccountUpdated;
    /// <inheritdoc />
    public static string Description => "One of your user accounts has been updated.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Data(EventName, null, SampleBodies.User);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The user account after the change.</summary>
    public required User Data { get; init; }
    /// <inheritdoc />
    public override string Describe() => EventText.User(Data);
}

/// <summary>A job site has been created.</summary>
public sealed record SiteCreated : TechLinkEvent, ITechLinkEventType<SiteCreated>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.SiteCreated;
    /// <inheritdoc />
    public static string Description => "A job site has been created for you.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Data(EventName, null, SampleBodies.Site);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The site.</summary>
    public required Site Data { get; init; }
    /// <inheritdoc />
    public override string Describe() => EventText.Site(Data);
}

/// <summary>A job site has been updated.</summary>
public sealed record SiteUpdated : TechLinkEvent, ITechLinkEventType<SiteUpdated>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.SiteUpdated;
    /// <inheritdoc />
    public static string Description => "One of your job sites has been updated with new information.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Data(EventName, null, SampleBodies.Site);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The site after the change.</summary>
    public required Site Data { get; init; }
    /// <inheritdoc />
    public override string Describe() => EventText.Site(Data);
}
