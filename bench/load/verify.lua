-- POST /v1/verify with the card text from the CARD_TEXT environment variable.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"text":"' .. os.getenv("CARD_TEXT") .. '"}'
