Feature: Other systems use the JSON API with a personal token
  A person creates an API token on their account page; it is shown once. A script sends it
  as a bearer token to /api/v1 and acts as that person, with their roles: the same rules and
  the same messages as the web pages. Revoking the token stops the script at once, and a
  signed-in browser's cookie never stands in for a token.

  Background:
    Given Inês, a provider, is signed in on the web

  Scenario: A token is created once, used by a script and revoked
    When Inês creates an API token named "Catalogue sync" on her account page
    Then the page shows the token once
    And her account page lists "Catalogue sync" without the token
    When a script starts a draft "Applied Data Analysis with Python" with the token
    Then the script gets the new draft with its ETag
    And the script's list of files holds "Applied Data Analysis with Python"
    When Inês revokes the token "Catalogue sync"
    Then the script is refused with 401

  Scenario: An incomplete descriptor gets the form's message for each element
    Given Inês has an API token
    When a script starts a draft without learning outcomes and with the workload "lots"
    Then the script is refused with 422 naming "learning_outcomes" and "workload_ects"
    And the messages are the ones the form shows
    And no draft was saved

  Scenario: The browser's cookie is not a token
    When Inês's browser calls the API without a token
    Then the browser is refused with 401
