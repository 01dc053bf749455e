"""The notify stage: subscriptions, what is new, why each work is picked (including the
library-trained personal ranking), the emailed links and digests, and the SMTP mailer."""
