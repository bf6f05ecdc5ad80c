-- email: one row per (order, kind) is what makes "exactly one email" hold under redelivery.
CREATE TABLE "sent_emails" (
    "order_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "message_id" TEXT,
    "status" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    CONSTRAINT "sent_emails_pkey" PRIMARY KEY ("order_id", "kind"),
    CONSTRAINT "sent_emails_kind_check" CHECK ("kind" IN ('confirmation', 'rejection', 'receipt')),
    CONSTRAINT "sent_emails_status_check" CHECK ("status" IN ('sending', 'sent'))
);
