using System.Text.Json;

namespace TechLink.Webhooks.Tests.Events;

public sealed class ParserTests
{
    public static TheoryData<string, Type> EveryType => new()
    {
        { "account created", typeof(AccountCreated) },
        { "account updated", typeof(AccountUpdated) },
        { "site created", typeof(SiteCreated) },
        { "site updated", typeof(SiteUpdated) },
        { "work order created", typeof(WorkOrderCreated) },
        { "work order updated", typeof(WorkOrderUpdated) },
        { "work order status change", typeof(WorkOrderStatusChanged) },
        { "work order scheduled", typeof(WorkOrderScheduled) },
        { "work order assigned", typeof(WorkOrderAssigned) },
        { "work order tech on-site", typeof(WorkOrderTechOnSite) },
        { "work order tech off-site", typeof(WorkOrderTechOffSite) },
        { "work order closed", typeof(WorkOrderClosed) },
        { "work order cancelled", typeof(WorkOrderCancelled) },
        { "work order note added", typeof(WorkOrderNoteAdded) },
        { "work order photo added", typeof(WorkOrderPhotoAdded) },
        { "work order question answered", typeof(WorkOrderQuestionAnswered) },
        { "work order close-out document added", typeof(WorkOrderCloseOutDocumentAdded) },
        { "work order client document added", typeof(WorkOrderClientDocumentAdded) },
        { "work order task added", typeof(WorkOrderTaskAdded) },
        { "work order task updated", typeof(WorkOrderTaskUpdated) },
        { "work order task deleted", typeof(WorkOrderTaskDeleted) },
    };

    [Fact]
    public void EventTypes_AreTheSpecs21NamesInOrder()
    {
        Assert.Equal(EveryType.Select(row => (string)row[0]), TechLinkEventTypes.All);
        Assert.Equal(EveryType.Count, TechLinkSamples.All.Count);
        Assert.Equal(TechLinkEventTypes.All, TechLinkSamples.All.Select(s => s.Key));
    }

    [Theory]
    [MemberData(nameof(EveryType))]
    public void Parse_Sample_GivesTypedEventWithItsName(string eventType, Type expected)
    {
        var body = TechLinkSamples.For(eventType);

        var parsed = TechLinkEvent.Parse(body);

        Assert.IsType(expected, parsed);
        Assert.Equal(eventType, parsed.Event);
        Assert.Equal(body, parsed.RawJson);
        Assert.Equal(eventType, JsonDocument.Parse(body).RootElement.GetProperty("event").GetString());
        if (parsed is WorkOrderEvent wo) Assert.Equal("123456", wo.WorkOrderId);
    }

    [Fact]
    public void Parse_SpecStatusChange_KeepsStringsAndMapsEnum()
    {
        var e = Assert.IsType<WorkOrderStatusChanged>(TechLinkEvent.Parse("""
            {
              "event": "work order status change",
              "workorder_id": "123456",
              "old_status_code": "60",
              "old_status": "Scheduled",
              "new_status_code": "70",
              "new_status": "Tech On Site"
            }
            """));

        Assert.Equal("123456", e.WorkOrderId);
        Assert.Equal(("60", "Scheduled", "70", "Tech On Site"), (e.OldStatusCode, e.OldStatus, e.NewStatusCode, e.NewStatus));
        Assert.Equal(WorkOrderStatus.Scheduled, e.OldStatusValue);
        Assert.Equal(WorkOrderStatus.TechOnSite, e.NewStatusValue);
    }

    [Fact]
    public void Parse_StatusChangeWithUnknownCode_KeepsStringsEnumNull()
    {
        var e = Assert.IsType<WorkOrderStatusChanged>(TechLinkEvent.Parse(
            """{"event":"work order status change","workorder_id":"1","old_status_code":"60","old_status":"Scheduled","new_status_code":"999","new_status":"Teleported"}"""));

        Assert.Null(e.NewStatusValue);
        Assert.Equal("Teleported", e.NewStatus);
    }

    [Fact]
    public void StatusTable_HasThe22CodesOfTheSpec()
    {
        var expected = new (int, string)[]
        {
            (10, "Created"), (20, "Open"), (22, "Dispatched"), (26, "Tech Available"), (28, "Ready to Assign"), (30, "Refused"),
            (40, "Assigned"), (50, "Accepted"), (55, "Pending"), (60, "Scheduled"), (70, "Tech On Site"), (72, "Tech Off Site"),
            (75, "Incomplete"), (76, "Off Site / Complete"), (77, "Off Site / Parts Needed"), (78, "Off Site / Return Trip Required"),
            (80, "In-Review"), (90, "Approved"), (92, "Send Quote"), (95, "Quote Sent"), (100, "Closed"), (105, "Cancelled"),
        };

        Assert.Equal(expected, WorkOrderStatuses.All.Select(s => ((int)s.Status, s.Name)));
        Assert.Equal(22, Enum.GetValues<WorkOrderStatus>().Length);
        Assert.All(WorkOrderStatuses.All, s => Assert.Equal(s.Status, WorkOrderStatuses.FromCode(s.Code)));
        Assert.Equal("Off Site / Return Trip Required", WorkOrderStatus.OffSiteReturnTripRequired.ToDisplayName());
        Assert.Equal("105", WorkOrderStatus.Cancelled.ToCode());
    }

    [Fact]
    public void Parse_SpecScheduled_StartStringAndHelper()
    {
        var e = Assert.IsType<WorkOrderScheduled>(TechLinkEvent.Parse(
            """{"event": "work order scheduled", "workorder_id": "123456", "start": "2019-03-27 09:00:00"}"""));

        Assert.Equal("2019-03-27 09:00:00", e.Start);
        Assert.True(e.TryGetStart(out var start));
        Assert.Equal(new DateTime(2019, 3, 27, 9, 0, 0), start.LocalTime);
        Assert.Null(start.ZoneAbbreviation);
        var la = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
        Assert.Equal(new DateTimeOffset(2019, 3, 27, 16, 0, 0, TimeSpan.Zero), start.ToDateTimeOffset(la).ToUniversalTime());
    }

    [Fact]
    public void Parse_SpecAssigned_AndUnassigned()
    {
        var assigned = Assert.IsType<WorkOrderAssigned>(TechLinkEvent.Parse(
            """{"event": "work order assigned", "workorder_id": "123456", "planned_tech_name": "John Smith", "planned_tech_phone": "123-4567-8900"}"""));
        var unassigned = Assert.IsType<WorkOrderAssigned>(TechLinkEvent.Parse(
            """{"event": "work order assigned", "workorder_id": "123456", "planned_tech_name": "", "planned_tech_phone": ""}"""));

        Assert.Equal(("John Smith", "123-4567-8900"), (assigned.PlannedTechName, assigned.PlannedTechPhone));
        Assert.False(assigned.IsUnassigned);
        Assert.True(unassigned.IsUnassigned);
    }

    [Fact]
    public void Parse_SpecTechOnSite_TimeWithZoneAbbreviation()
    {
        var e = Assert.IsType<WorkOrderTechOnSite>(TechLinkEvent.Parse(
            """{"event": "work order tech on-site", "workorder_id": "123456", "tech_name": "John Smith", "tech_phone": "123-4567-8900", "time": "2019-01-23 01:23:45 PDT"}"""));

        Assert.Equal("2019-01-23 01:23:45 PDT", e.Time);
        Assert.Equal(("John Smith", "123-4567-8900"), (e.TechName, e.TechPhone));
        Assert.True(e.TryGetTime(out var time));
        Assert.Equal(new DateTime(2019, 1, 23, 1, 23, 45), time.LocalTime);
        Assert.Equal("PDT", time.ZoneAbbreviation);
        Assert.Equal("2019-01-23 01:23:45 PDT", time.ToString());
    }

    [Theory]
    [InlineData("complete", true, false)]
    [InlineData("return", false, true)]
    public void Parse_SpecTechOffSite_Disposition(string disposition, bool complete, bool returnTrip)
    {
        var e = Assert.IsType<WorkOrderTechOffSite>(TechLinkEvent.Parse(
            $$"""{"event": "work order tech off-site", "workorder_id": "123456", "disposition": "{{disposition}}", "time": "2019-01-23 01:23:45 PDT"}"""));

        Assert.Equal(disposition, e.Disposition);
        Assert.Equal(complete, e.IsComplete);
        Assert.Equal(returnTrip, e.IsReturnTrip);
        Assert.True(e.TryGetTime(out _));
    }

    [Theory]
    [InlineData("""{"event": "work order closed", "workorder_id": "123456"}""", typeof(WorkOrderClosed))]
    [InlineData("""{"event": "work order cancelled", "workorder_id": "123456"}""", typeof(WorkOrderCancelled))]
    public void Parse_SpecClosedAndCancelled(string body, Type expected)
    {
        var e = TechLinkEvent.Parse(body);
        Assert.IsType(expected, e);
        Assert.Equal("123456", ((WorkOrderEvent)e).WorkOrderId);
    }

    [Fact]
    public void Parse_SpecTaskDeleted()
    {
        var e = Assert.IsType<WorkOrderTaskDeleted>(TechLinkEvent.Parse("""{"event": "work order task deleted", "workorder_id": "123456", "task_id": "12345"}"""));
        Assert.Equal("12345", e.TaskId);
    }

    [Fact]
    public void Parse_DataObjects_AllFieldsMapped()
    {
        var site = Assert.IsType<SiteCreated>(TechLinkEvent.Parse(TechLinkSamples.For("site created"))).Data;
        Assert.Equal(("3310", "1007", "America/Los_Angeles", "97209", "1200 NW Everett St", "Suite 4"), (site.SiteId, site.CompanyId, site.Timezone, site.PostalCode, site.Address1, site.Address2));
        Assert.NotNull(site.FindTimeZone());

        var user = Assert.IsType<AccountUpdated>(TechLinkEvent.Parse(TechLinkSamples.For("account updated"))).Data;
        Assert.Equal(("4821", "jdoe", "Jane", "Doe", true), (user.UserId, user.Username, user.FirstName, user.LastName, user.IsActive));
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero), user.UpdatedAt);

        var wo = Assert.IsType<WorkOrderUpdated>(TechLinkEvent.Parse(TechLinkSamples.For("work order updated"))).Data;
        Assert.Equal(("123456", "3310", "PO-88412", "high", "60", "Scheduled", "2026-12-03 09:00:00"), (wo.WorkOrderId, wo.SiteId, wo.ClientReference, wo.Priority, wo.StatusCode, wo.Status, wo.ScheduledStart));
        Assert.Equal(WorkOrderStatus.Scheduled, wo.StatusValue);
        Assert.Null(wo.CheckInTime);

        var photo = Assert.IsType<WorkOrderPhotoAdded>(TechLinkEvent.Parse(TechLinkSamples.For("work order photo added"))).Data;
        Assert.Equal(("55031", "123456", 284113L, "image/jpeg"), (photo.PhotoId, photo.WorkOrderId, photo.SizeBytes, photo.ContentType));
        Assert.StartsWith("https://", photo.Url, StringComparison.Ordinal);
        Assert.NotNull(photo.UrlExpiresAt);

        var note = Assert.IsType<WorkOrderNoteAdded>(TechLinkEvent.Parse(TechLinkSamples.For("work order note added"))).Data;
        Assert.Contains("<b>", note.Content, StringComparison.Ordinal);

        var question = Assert.IsType<WorkOrderQuestionAnswered>(TechLinkEvent.Parse(TechLinkSamples.For("work order question answered"))).Data;
        Assert.Equal(("9021", "John Smith"), (question.QuestionId, question.AnsweredBy));
        Assert.NotNull(question.Answer);

        var doc = Assert.IsType<WorkOrderCloseOutDocumentAdded>(TechLinkEvent.Parse(TechLinkSamples.For("work order close-out document added"))).Data;
        Assert.Equal(("6604", "application/pdf", 118402L), (doc.DocumentId, doc.ContentType, doc.SizeBytes));

        var task = Assert.IsType<WorkOrderTaskUpdated>(TechLinkEvent.Parse(TechLinkSamples.For("work order task updated"))).Data;
        Assert.Equal(("12345", "completed"), (task.TaskId, task.Status));
        Assert.NotNull(task.CompletedAt);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 23, 0, 0, TimeSpan.Zero), task.Due);
    }

    [Fact]
    public void Parse_UnknownEvent_KeepsRawJson()
    {
        const string body = """{"event":"work order invoice paid","workorder_id":"77","data":{"amount":"12.50","nested":{"x":[1,2]}}}""";

        var e = Assert.IsType<UnknownEvent>(TechLinkEvent.Parse(body));

        Assert.Equal("work order invoice paid", e.Event);
        Assert.Equal("77", e.WorkOrderId);
        Assert.Equal(body, e.RawJson);
        Assert.Equal("12.50", e.Payload.GetProperty("data").GetProperty("amount").GetString());
    }

    [Fact]
    public void Parse_ExtraFieldsAndNumericIds_Tolerated()
    {
        var e = Assert.IsType<WorkOrderTaskDeleted>(TechLinkEvent.Parse(
            """{"event":"work order task deleted","workorder_id":123456,"task_id":12345,"added_later":{"a":1},"also":[true]}"""));

        Assert.Equal(("123456", "12345"), (e.WorkOrderId, e.TaskId));

        var site = Assert.IsType<SiteUpdated>(TechLinkEvent.Parse(
            """{"event":"site updated","data":{"site_id":"1","name":"X","latitude":45.5,"tags":["a"]}}""")).Data;
        Assert.Equal("X", site.Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"workorder_id\":\"1\"}")]
    [InlineData("{\"event\":42}")]
    [InlineData("{\"event\":\"site created\"}")]
    [InlineData("{\"event\":\"work order closed\"}")]
    [InlineData("{\"event\":\"work order status change\",\"workorder_id\":{\"a\":1}}")]
    public void TryParse_NotAnEvent_FalseWithReason(string body)
    {
        Assert.False(TechLinkEvent.TryParse(body, out var result, out var error));
        Assert.Null(result);
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Throws<WebhookParseException>(() => TechLinkEvent.Parse(body));
    }

    [Theory]
    [InlineData("2019-03-27 09:00:00", true)]
    [InlineData("2019-01-23 01:23:45 PDT", true)]
    [InlineData("2019-01-23T01:23:45Z", false)]
    [InlineData("2019-13-23 01:23:45", false)]
    [InlineData("2019-01-23 01:23:45 P D T", false)]
    [InlineData("", false)]
    public void SiteLocalTime_Parses(string text, bool ok)
    {
        Assert.Equal(ok, SiteLocalTime.TryParse(text, out _));
    }
}
